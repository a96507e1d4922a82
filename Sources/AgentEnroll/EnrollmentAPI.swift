import AgentJSON
import NIOHTTP1

/// The two calls of the enrollment API (upstream's contract, spec §8):
///
///     GET  /orchestrators/id      {"statusCode":200,"data":{"id", "expiresAt", "expiresIn"}}
///     POST /orchestrators/enroll  multipart field `csr` → {"statusCode":200,"data":{"id","certificate","message"}}
///
/// Only the CSR leaves the device.
struct EnrollmentAPI: Sendable {
    let https: EnrollHTTPS

    /// A fresh orchestrator id.
    /// - Throws: ``EnrollError`` `api`: an HTTP error, a body that is not JSON, a `statusCode`
    ///   other than 200, an id that is not a safe identifier.
    func orchestratorID() async throws(EnrollError) -> String {
        let data = try await call(.GET, "/orchestrators/id")
        guard let id = data["id"]?.stringValue else { throw EnrollError(.api, "/orchestrators/id: the answer has no data.id") }
        guard Self.isSafeIdentifier(id) else {
            throw EnrollError(.api, "/orchestrators/id: the id '\(id)' is not a safe identifier (1-64 of A-Z a-z 0-9 . _ -, not . or ..)")
        }
        return id
    }

    /// The certificate the API issues for `csrPEM` (PEM text, as returned).
    /// - Throws: ``EnrollError`` `api` as ``orchestratorID()``, or no `data.certificate`.
    func enroll(csrPEM: String) async throws(EnrollError) -> String {
        let boundary = "orchestrator-agent-\(UInt64.random(in: 1...UInt64.max))"
        let body = Array(
            ("--\(boundary)\r\nContent-Disposition: form-data; name=\"csr\"; filename=\"client.csr\"\r\n"
                + "Content-Type: application/pkcs10\r\n\r\n\(csrPEM)\r\n--\(boundary)--\r\n").utf8)
        let data = try await call(.POST, "/orchestrators/enroll", body: body, contentType: "multipart/form-data; boundary=\(boundary)")
        guard let certificate = data["certificate"]?.stringValue else {
            throw EnrollError(.api, "/orchestrators/enroll: the answer has no data.certificate")
        }
        return certificate
    }

    private func call(_ method: HTTPMethod, _ path: String, body: [UInt8] = [], contentType: String? = nil) async throws(EnrollError)
        -> JSONObject
    {
        let response = try await https.send(method, path, body: body, contentType: contentType)
        let parsed = try? JSONParser.parse(response.body)  // harmless: a body that is not JSON is reported below, with the HTTP status
        let message = parsed?.objectValue?["message"]?.stringValue.map { " (\($0))" } ?? ""
        guard response.status == 200 else {
            throw EnrollError(.api, "\(path) answered HTTP \(response.status)\(message)")
        }
        guard let object = parsed?.objectValue else {
            let start = String(decoding: response.body.prefix(80), as: UTF8.self)
            throw EnrollError(.api, "\(path): the answer is not JSON: \(start)")
        }
        let status = object["statusCode"]?.numberValue
        guard status == 200 else {
            throw EnrollError(.api, "\(path): statusCode \(status.map { String(Int($0)) } ?? "missing")\(message)")
        }
        guard let data = object["data"]?.objectValue else { throw EnrollError(.api, "\(path): the answer has no data object") }
        return data
    }

    /// 1-64 of `A-Z a-z 0-9 . _ -`, not `.` or `..` (it names files and is the certificate's CN).
    static func isSafeIdentifier(_ id: String) -> Bool {
        guard (1...64).contains(id.utf8.count), id != ".", id != ".." else { return false }
        return id.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2E || b == 0x5F || b == 0x2D
        }
    }
}
