import AgentJSON

/// The runtime's HTTP answer in the upstream `http_response` shape (spec §2.4), with the real
/// `content_type` header, and `source` telling the runtime's own replies from proxy failures.
public enum ProxyResponse {
    /// A reply that came from the runtime.
    public static func fromRuntime(status: Int, headers: [(String, String)], body: [UInt8]) -> JSONObject {
        var h = JSONObject()
        for (k, v) in headers {
            let key = k.lowercased()
            h[key] = .string((h[key]?.stringValue).map { $0 + ", " + v } ?? v)
        }
        let declared = h["content-type"]?.stringValue
        let parsed: JSONValue
        // harmless: a body that is not JSON is passed on as text
        if !body.isEmpty, let json = try? JSONParser.parse(body) {
            parsed = json
        } else {
            parsed = .string(String(decoding: body, as: UTF8.self))
        }
        let ok = status < 400
        return [
            "status": .string(ok ? "success" : "error"),
            "source": "runtime",
            "http_response": [
                "status_code": .number(Double(status)), "headers": .object(h), "ok": .bool(ok), "body": parsed,
                "content_type": .string(declared ?? (parsed.stringValue == nil ? "application/json" : "text/plain")),
            ],
        ]
    }

    /// A failure of the proxy itself (the runtime never answered): typed `code`, plus a
    /// synthetic 502/504 `http_response` for clouds that only read that.
    public static func proxyFailure(code: String, message: String) -> JSONObject {
        let status = code == "proxy_timeout" ? 504 : 502
        return [
            "status": "error", "source": "proxy", "code": .string(code), "error": .string(message),
            "http_response": [
                "status_code": .number(Double(status)), "headers": [:], "ok": false,
                "body": ["error": .string(message)], "content_type": "application/json",
            ],
        ]
    }
}
