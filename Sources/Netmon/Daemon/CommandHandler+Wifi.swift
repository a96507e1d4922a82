#if canImport(Glibc)
import Glibc
#endif
import AgentJSON
import NetmonCore

/// The WiFi commands (docs/network-monitor.md, "WiFi: proxy-ARP bridges").
extension CommandHandler {
    func executeWifi(_ command: NetmonCommand, ok: @escaping (JSONObject) -> Void, fail: @escaping (NetmonError) -> Void) {
        switch command {
        case .setupProxyArp(let s):
            guard NetnsOps.processExists(s.pid) else {
                return fail(NetmonError(.noSuchProcess, "No such process: \(s.pid)", field: "container_pid"))
            }
            bridges.setup(s, staleVeth: s.previousVeth) { result in
                switch result {
                case .success(let b): ok(["proxy_arp_config": .object(b.json), "message": "proxy-ARP bridge ready"])
                case .failure(let e): fail(e)
                }
            }
        case .cleanupProxyArp(let c):
            bridges.cleanup(c) { result in
                switch result {
                case .success(let removed): ok(["veth_removed": .bool(removed), "message": "proxy-ARP bridge removed"])
                case .failure(let e): fail(e)
                }
            }
        case .cleanupAllProxyArp:
            bridges.cleanupAll { removed in ok(["veths_removed": .number(Double(removed))]) }
        case .requestWifiDhcp(let r):
            do throws(NetmonError) {
                ok(["message": .string(try dhcpSupervisorForWifi.startWifi(r)), "interface": .string(r.parent)])
            } catch {
                fail(error)
            }
        default:
            fail(NetmonError(.unknownCommand, "not a WiFi command"))
        }
    }
}
