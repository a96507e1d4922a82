import AgentJSON
import RuntimeModel
import Testing

@Suite("run_command request building")
struct ProxyTests {
    func build(_ extra: JSONObject, site: ProxyRequest.SchemeRule = .auto) throws -> ProxyRequest {
        var m: JSONObject = ["device_id": "p", "method": "get", "api": "/api/status"]
        for (k, v) in extra.entries { m[k] = v }
        return try ProxyRequest(message: m, siteScheme: site, boundary: "B")
    }

    @Test("defaults: https on 8443, method upper-cased, 30 s")
    func defaults() throws {
        let r = try build([:])
        #expect(r.method == "GET" && r.target == "/api/status" && r.port == 8443 && r.scheme == .https)
        #expect(r.timeoutMilliseconds == 30_000)
    }

    @Test("site rule auto (the default) is upstream's port rule: https on 8443, http on any other port",
          arguments: [(8443, ProxyRequest.Scheme.https), (8080, .http), (1234, .http), (443, .http), (80, .http)])
    func portRule(port: Int, scheme: ProxyRequest.Scheme) throws {
        #expect(try build(["port": .number(Double(port))]).scheme == scheme)
        #expect(try build(["port": .number(Double(port))], site: .auto).scheme == scheme)
    }

    @Test("the message's scheme wins over the port rule and over the site")
    func messageWins() throws {
        #expect(try build(["port": 8443, "scheme": "http"]).scheme == .http)
        #expect(try build(["scheme": "http"]).scheme == .http)
        #expect(try build(["port": 8080, "scheme": "https"]).scheme == .https)
        #expect(try build(["port": 8080, "scheme": "HTTPS"], site: .http).scheme == .https)
        #expect(try build(["port": 8443, "scheme": "http"], site: .https).scheme == .http)
    }

    @Test("site http / https force one scheme for every port")
    func siteOverride() throws {
        for port in [8443, 8080, 1234] {
            #expect(try build(["port": .number(Double(port))], site: .http).scheme == .http)
            #expect(try build(["port": .number(Double(port))], site: .https).scheme == .https)
        }
    }

    @Test("the site value: auto, http, https are read; anything else is bad_config naming the key")
    func siteValue() throws {
        #expect(try ProxyRequest.SchemeRule(siteValue: "auto") == .auto)
        #expect(try ProxyRequest.SchemeRule(siteValue: "http") == .http)
        #expect(try ProxyRequest.SchemeRule(siteValue: "https") == .https)
        for bad: JSONValue in ["ftp", "HTTP", "", 8443, true, .null, ["https"]] {
            #expect {
                _ = try ProxyRequest.SchemeRule(siteValue: bad)
            } throws: { error in
                let e = error as? RuntimeError
                return e?.code == "bad_config" && e?.field == "config.runtime_scheme" && e?.message.contains("auto") == true
            }
        }
    }

    @Test("any method token; params as query; JSON body with case-insensitive content type")
    func body() throws {
        let r = try build([
            "method": "PATCH", "params": ["a b": "c&d", "n": 2], "data": ["x": 1],
            "headers": ["content-TYPE": "application/json", "X-Test": "1", "Host": "evil"],
        ])
        #expect(r.method == "PATCH")
        #expect(r.target == "/api/status?a%20b=c%26d&n=2")
        #expect(r.body == Array(#"{"x":1}"#.utf8))
        #expect(r.headers.map(\.0) == ["content-TYPE", "X-Test"])  // Host is the proxy's
    }

    @Test("raw and form bodies, multipart files")
    func otherBodies() throws {
        #expect(try build(["data": "abc", "headers": ["Content-Type": "text/plain"]]).body == Array("abc".utf8))
        #expect(try build(["data": ["k": "v w"], "headers": ["content-type": "application/x-www-form-urlencoded"]]).body == Array("k=v%20w".utf8))
        let m = try build(["method": "POST", "files": ["file": ["filename": "p.zip", "content_base64": "aGk="]]])
        let text = String(decoding: m.body, as: UTF8.self)
        #expect(text.contains("filename=\"p.zip\"") && text.contains("\r\nhi\r\n") && text.hasSuffix("--B--\r\n"))
        #expect(m.headers.contains { $0.0 == "Content-Type" && $0.1 == "multipart/form-data; boundary=B" })
    }

    // ("//evil/x" is fine: leading slashes are folded, so it is the path /evil/x on the runtime.)
    @Test("paths that would leave the runtime are refused", arguments: ["http://10.0.0.1/x", "a b", "x\r\nHost: y", "a#b"])
    func refused(api: String) {
        #expect(throws: RuntimeError.self) { try build(["api": .string(api)]) }
    }

    @Test("bad fields", arguments: [
        ["method": "G E T"] as JSONObject, ["port": 0], ["port": 70000], ["scheme": "ftp"], ["timeout_ms": 0], ["headers": "x"],
    ])
    func badFields(extra: JSONObject) {
        #expect(throws: RuntimeError.self) { try build(extra) }
    }

    @Test("responses: runtime vs proxy are told apart")
    func responses() {
        let r = ProxyResponse.fromRuntime(status: 503, headers: [("Content-Type", "application/json")], body: Array(#"{"e":1}"#.utf8))
        #expect(r["status"] == "error" && r["source"] == "runtime")
        #expect(r["http_response"]?.objectValue?["status_code"] == 503)
        #expect(r["http_response"]?.objectValue?["content_type"] == "application/json")
        let p = ProxyResponse.proxyFailure(code: "proxy_timeout", message: "late")
        #expect(p["source"] == "proxy" && p["code"] == "proxy_timeout")
        #expect(p["http_response"]?.objectValue?["status_code"] == 504)
    }

    @Test("base64 round trip")
    func base64() {
        for n in 0..<20 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 * 37) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.decode("!!") == nil)
    }
}
