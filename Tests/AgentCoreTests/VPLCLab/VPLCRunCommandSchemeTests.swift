import AgentJSON
import Foundation
import LabSupport
import Testing

/// `run_command` on the default site settings (`runtime_scheme` unset, i.e. `auto`) picks the
/// scheme by upstream's port rule, against a real vPLC whose runtime serves like the real one:
/// https with a self-signed certificate on 8443, plain http on 8080. What each port speaks is
/// proven from the LAN host first (independent of the agent), so a success through the agent can
/// only have come over the right scheme.
extension VPLCLab {
@Suite("run_command scheme by port")
struct RunCommandScheme {
    @Test("port 8443 → https to the self-signed runtime, port 8080 → plain http; both answer with the runtime's body")
    func portRule() async throws {
        let h = try await VPLCHarness()
        defer { h.stop() }  // a no-op after shutdown(); the last resort when a test throws
        let device = uniqueDevice("scheme")
        try await h.createRunning(device, host: 14)
        let ip = h.lab.lanAddress(14)

        // What the runtime speaks on each port, seen from the plant LAN.
        var tls = CommandResult?.none
        _ = try await h.cloud.waitUntil(seconds: 10) {
            tls = try await h.fromLAN("https://\(ip):8443/api/version")
            return tls?.stdout.contains("lab-standin-1") == true
        }
        #expect(tls?.stdout.contains("lab-standin-1") == true, "https on 8443 from the LAN: \(String(describing: tls))")
        let plainOn8443 = try await h.fromLAN("http://\(ip):8443/api/version")
        #expect(!plainOn8443.succeeded && plainOn8443.stdout.isEmpty, "8443 must speak TLS only: \(plainOn8443)")
        let lab = h.lab
        let verifying = try await DockerLab.blocking {
            try lab.exec(inNamespace: lab.lanhostNamespace, ["curl", "-s", "-o", "/dev/null", "-m", "3", "https://\(ip):8443/api/version"])
        }
        #expect(verifying.status == 60, "a verifying client must refuse the self-signed certificate (curl exit 60): \(verifying)")
        let plain = try await h.fromLAN("http://\(ip):8080/api/version")
        #expect(plain.stdout.contains("lab-standin-1"), "http on 8080 from the LAN: \(plain)")
        let tlsOn8080 = try await h.fromLAN("https://\(ip):8080/api/version")
        #expect(!tlsOn8080.succeeded && tlsOn8080.stdout.isEmpty, "8080 must speak plain HTTP only: \(tlsOn8080)")

        // Through the agent, no scheme in the message: the port decides.
        let d: JSONValue = .string(device)
        for port: JSONValue? in [nil, 8443, 8080] {
            var message: JSONObject = ["device_id": d, "method": "GET", "api": "/api/version"]
            if let port { message["port"] = port }
            let r = try await h.call("run_command", message)
            #expect(r["status"] == "success" && r["source"] == "runtime", "port \(String(describing: port)): \(r)")
            #expect(r["http_response"]?.objectValue?["status_code"] == 200, "port \(String(describing: port)): \(r)")
            #expect(r["http_response"]?.objectValue?["body"]?.objectValue?["version"] == "lab-standin-1", "port \(String(describing: port)): \(r)")
        }
        // A body and a header make the round trip on both ports.
        for port: JSONValue in [8443, 8080] {
            let echo = try await h.call(
                "run_command",
                ["device_id": d, "method": "POST", "api": "cgi-bin/echo", "port": port, "headers": ["X-Test": "scheme"],
                 "data": ["port": port]])
            #expect(echo["status"] == "success" && echo["source"] == "runtime", "port \(port): \(echo)")
            let echoed = echo["http_response"]?.objectValue?["body"]?.objectValue
            #expect(echoed?["method"] == "POST" && echoed?["x_test"] == "scheme", "port \(port): \(echo)")
            #expect(echoed?["body"] == .string(#"{"port":\#(JSONWriter.string(port))}"#), "port \(port): \(echo)")
        }

        // The message's own scheme still wins, and the wrong one fails as the proxy's error.
        let httpOn8443 = try await h.call(
            "run_command", ["device_id": d, "method": "GET", "api": "api/version", "port": 8443, "scheme": "http", "timeout_ms": 5000])
        #expect(httpOn8443["status"] == "error" && httpOn8443["source"] == "proxy", "\(httpOn8443)")
        #expect(httpOn8443["code"] == "proxy_bad_response", "\(httpOn8443)")
        #expect(httpOn8443["error"]?.stringValue?.hasPrefix("http://") == true, "\(httpOn8443)")
        let httpsOn8080 = try await h.call(
            "run_command", ["device_id": d, "method": "GET", "api": "api/version", "port": 8080, "scheme": "https", "timeout_ms": 5000])
        #expect(httpsOn8080["status"] == "error" && httpsOn8080["source"] == "proxy", "\(httpsOn8080)")
        #expect(httpsOn8080["code"] == "proxy_bad_response", "\(httpsOn8080)")
        #expect(httpsOn8080["error"]?.stringValue?.hasPrefix("https://") == true, "\(httpsOn8080)")

        try await h.deleteExpectingNothingLeft(device)
        await h.shutdown()
    }

    /// `runtime_scheme: "https"` is the site override (and what every port got before the port
    /// rule): 8443 still answers, 8080 now fails as the proxy's error.
    @Test("site runtime_scheme https forces https on every port: 8080 then fails as the proxy's error")
    func siteOverride() async throws {
        let h = try await VPLCHarness(runtime: ["runtime_scheme": "https"])
        defer { h.stop() }  // a no-op after shutdown(); the last resort when a test throws
        let device = uniqueDevice("forced")
        try await h.createRunning(device, host: 15)
        let ip = h.lab.lanAddress(15)
        _ = try await h.cloud.waitUntil(seconds: 10) {
            try await h.fromLAN("http://\(ip):8080/api/version").stdout.contains("lab-standin-1")
        }
        let d: JSONValue = .string(device)
        let on8443 = try await h.call("run_command", ["device_id": d, "method": "GET", "api": "/api/version", "port": 8443])
        #expect(on8443["status"] == "success" && on8443["source"] == "runtime", "\(on8443)")
        let on8080 = try await h.call(
            "run_command", ["device_id": d, "method": "GET", "api": "/api/version", "port": 8080, "timeout_ms": 5000])
        #expect(on8080["status"] == "error" && on8080["code"] == "proxy_bad_response", "\(on8080)")
        #expect(on8080["error"]?.stringValue?.hasPrefix("https://") == true, "\(on8080)")
        // The message's scheme still wins over the site.
        let plain = try await h.call(
            "run_command", ["device_id": d, "method": "GET", "api": "/api/version", "port": 8080, "scheme": "http"])
        #expect(plain["status"] == "success" && plain["source"] == "runtime", "\(plain)")
        try await h.deleteExpectingNothingLeft(device)
        await h.shutdown()
    }
}
}
