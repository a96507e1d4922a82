import AgentJSON

/// A `run_command` message turned into one HTTP request to the vPLC's own runtime (spec §2.4,
/// improved per §12.11): any token method, a path that cannot leave the runtime, query from
/// `params`, case-insensitive headers, JSON / form / raw / multipart bodies, a timeout, and
/// http or https: the message's own `scheme`, else the site's ``SchemeRule`` (by default
/// upstream's port rule: https on 8443, http on any other port).
public struct ProxyRequest: Sendable, Equatable {
    public enum Scheme: String, Sendable { case http, https }

    public var method: String
    /// Path and query, starting with `/`.
    public var target: String
    public var port: Int
    public var scheme: Scheme
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var timeoutMilliseconds: Int

    public static func == (a: ProxyRequest, b: ProxyRequest) -> Bool {
        a.method == b.method && a.target == b.target && a.port == b.port && a.scheme == b.scheme
            && a.headers.map { "\($0.0):\($0.1)" } == b.headers.map { "\($0.0):\($0.1)" } && a.body == b.body
            && a.timeoutMilliseconds == b.timeoutMilliseconds
    }

    /// Headers the proxy owns; a message's values for them are dropped.
    static let reserved: Set<String> = ["host", "content-length", "connection", "transfer-encoding", "keep-alive", "upgrade", "te", "trailer"]

    /// Builds the request.
    /// - Parameters:
    ///   - siteScheme: the site's `runtime_scheme`, for a message without `scheme`.
    ///   - boundary: multipart boundary (injectable for tests).
    /// - Throws: ``RuntimeError`` `invalid_request` with the field.
    public init(
        message: JSONObject, siteScheme: SchemeRule = .auto, defaultTimeoutMilliseconds: Int = 30_000,
        boundary: String = "agent-\(UInt64.random(in: 1...UInt64.max))"
    ) throws(RuntimeError) {
        func fail(_ field: String, _ why: String) -> RuntimeError {
            RuntimeError("invalid_request", "\(field): \(why)", field: field)
        }
        let m = (message["method"]?.stringValue ?? "").uppercased()
        guard (1...16).contains(m.count), m.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw fail("method", "must be an HTTP method token such as GET, POST, PUT, PATCH, DELETE")
        }
        method = m
        var api = message["api"]?.stringValue ?? ""
        while api.hasPrefix("/") { api.removeFirst() }
        guard !api.contains("://"), !api.contains("\\"),
            !api.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F || $0 == "#" })
        else { throw fail("api", "must be a path on the runtime (no scheme, host, spaces or control characters)") }
        var target = "/" + api
        if let params = message["params"]?.objectValue, !(params.count == 0) {
            var pairs: [String] = []
            for (k, v) in params.entries {
                let values = v.arrayValue ?? [v]
                for item in values {
                    guard let text = Self.scalarText(item) else { throw fail("params.\(k)", "must be a string, number or boolean") }
                    pairs.append(Self.percentEncode(k) + "=" + Self.percentEncode(text))
                }
            }
            target += (target.contains("?") ? "&" : "?") + pairs.joined(separator: "&")
        }
        self.target = target
        let p = message["port"]?.numberValue ?? Double(Self.runtimePort)
        guard p == p.rounded(), (1...65535).contains(p) else { throw fail("port", "must be 1-65535") }
        port = Int(p)
        if let s = message["scheme"]?.stringValue {
            guard let sc = Scheme(rawValue: s.lowercased()) else { throw fail("scheme", "must be \"http\" or \"https\"") }
            scheme = sc
        } else {
            scheme = siteScheme.scheme(port: port)
        }
        let t = message["timeout_ms"]?.numberValue ?? Double(defaultTimeoutMilliseconds)
        guard (1...300_000).contains(t) else { throw fail("timeout_ms", "must be 1-300000") }
        timeoutMilliseconds = Int(t)
        var headers: [(String, String)] = []
        if let h = message["headers"] {
            guard let obj = h.objectValue else { throw fail("headers", "must be an object") }
            for (k, v) in obj.entries where !Self.reserved.contains(k.lowercased()) {
                guard let text = Self.scalarText(v), !k.isEmpty,
                    !(k + text).unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" })
                else { throw fail("headers.\(k)", "must be a single-line string") }
                headers.append((k, text))
            }
        }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name }?.1 }
        var body: [UInt8] = []
        let data = message["data"] ?? .null
        let files = message["files"]?.objectValue ?? [:]
        if files.count > 0 {
            body = try Self.multipart(files: files, data: data.objectValue ?? [:], boundary: boundary)
            headers.removeAll { $0.0.lowercased() == "content-type" }
            headers.append(("Content-Type", "multipart/form-data; boundary=\(boundary)"))
        } else if Self.isTruthy(data) {
            let contentType = header("content-type")?.lowercased()
            if case .string(let s) = data, contentType != nil, !(contentType ?? "").hasPrefix("application/json") {
                body = Array(s.utf8)
            } else if let ct = contentType, ct.hasPrefix("application/x-www-form-urlencoded"), let o = data.objectValue {
                var pairs: [String] = []
                for (k, v) in o.entries {
                    guard let text = Self.scalarText(v) else { throw fail("data.\(k)", "form values must be scalars") }
                    pairs.append(Self.percentEncode(k) + "=" + Self.percentEncode(text))
                }
                body = Array(pairs.joined(separator: "&").utf8)
            } else {
                body = JSONWriter.bytes(data)
                if contentType == nil { headers.append(("Content-Type", "application/json")) }
            }
        }
        self.headers = headers
        self.body = body
    }

    static func isTruthy(_ v: JSONValue) -> Bool {
        switch v {
        case .null: return false
        case .bool(let b): return b
        case .number(let n): return n != 0
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object(let o): return o.count > 0
        }
    }

    static func scalarText(_ v: JSONValue) -> String? {
        switch v {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .number: return JSONWriter.string(v)
        default: return nil
        }
    }

    static func percentEncode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            let c = Character(Unicode.Scalar(b))
            if b < 0x80, c.isLetter || c.isNumber || "-._~".contains(c) {
                out.append(c)
            } else {
                let hex = Array("0123456789ABCDEF")
                out += "%" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 15)])
            }
        }
        return out
    }

    static func multipart(files: JSONObject, data: JSONObject, boundary: String) throws(RuntimeError) -> [UInt8] {
        var out: [UInt8] = []
        func line(_ s: String) { out += Array((s + "\r\n").utf8) }
        for (k, v) in data.entries {
            guard let text = scalarText(v) else { continue }
            line("--\(boundary)")
            line("Content-Disposition: form-data; name=\"\(k)\"")
            line("")
            line(text)
        }
        for (field, v) in files.entries {
            guard let f = v.objectValue, let b64 = f["content_base64"]?.stringValue else {
                throw RuntimeError(
                    "invalid_request", "files.\(field): needs content_base64 (and optionally filename, content_type)",
                    field: "files.\(field)")
            }
            guard let content = Base64.decode(b64) else {
                throw RuntimeError("invalid_request", "files.\(field).content_base64 is not base64", field: "files.\(field)")
            }
            if content.isEmpty { continue }
            let name = f["filename"]?.stringValue ?? field
            line("--\(boundary)")
            line("Content-Disposition: form-data; name=\"\(field)\"; filename=\"\(name)\"")
            line("Content-Type: \(f["content_type"]?.stringValue ?? "application/octet-stream")")
            line("")
            out += content
            line("")
        }
        line("--\(boundary)--")
        return out
    }
}
