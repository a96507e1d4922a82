import AgentJSON
import Foundation
import LabSupport
import Testing

/// Two creates for different devices on the same plant LAN, sent at once while the LAN's MACVLAN
/// network does not exist yet: both look it up, both find nothing, both create it. The one whose
/// create loses (`engine_conflict`) must use the winner's network, not fail (seen in the soak run
/// before the fix), and must not own it (its rollback would remove it under the winner).
extension VPLCLab {
@Suite("parallel creates on one LAN")
struct ParallelCreates {
    // Each round also checks both creates end `succeeded`: before the plugin's NetworkGate a
    // loser could fail other than with a name conflict, and its rollback removed the network
    // under the winner (both `rolled_back`, 2 of ~6 runs).
    @Test("two devices created at once on a LAN with no MACVLAN network yet both succeed on one network")
    func racingCreatesShareTheNetwork() async throws {
        let h = try await VPLCHarness()
        defer { h.stop() }
        let lanNetwork = "macvlan_\(h.lab.parentInterface)_\(h.lab.lanSubnet.replacingOccurrences(of: "/", with: "_"))"
        // Start from no MACVLAN network (an earlier suite's is removed once unused; make sure).
        _ = try await h.lab.engineAPI("DELETE", "/networks/\(lanNetwork)")
        #expect(try await h.lab.engineAPI("GET", "/networks/\(lanNetwork)").status == 404)

        for round in 0..<5 {
            let a = uniqueDevice("race-a"), b = uniqueDevice("race-b")
            async let first = h.operate("create_new_runtime", h.createRequest(a, host: 48))
            async let second = h.operate("create_new_runtime", h.createRequest(b, host: 49))
            let (ra, rb) = try await (first, second)
            #expect(ra.end["status"] == "succeeded", "round \(round): \(ra.end)")
            #expect(rb.end["status"] == "succeeded", "round \(round): \(rb.end)")
            let networks = try await h.lab.engineAPI("GET", "/networks?filters=%7B%22driver%22%3A%5B%22macvlan%22%5D%7D")
            #expect(networks.json?.arrayValue?.count == 1, "round \(round): \(String(describing: networks.json))")
            for d in [a, b] { #expect(try await h.status(d)["is_running"] == true) }
            // Their internal bridges took different /28s of the default internal_subnet_pool.
            var subnets: [String] = []
            for d in [a, b] {
                let net = try await h.lab.engineAPI("GET", "/networks/\(d)_internal")
                let configs = net.json?.objectValue?["IPAM"]?.objectValue?["Config"]?.arrayValue ?? []
                let subnet = configs.first?.objectValue?["Subnet"]?.stringValue ?? "none"
                #expect(subnet.hasPrefix("198.18.") && subnet.hasSuffix("/28"), "round \(round): \(d) internal \(subnet)")
                subnets.append(subnet)
            }
            #expect(subnets[0] != subnets[1], "round \(round): \(subnets)")
            try await h.deleteExpectingNothingLeft(a)
            try await h.deleteExpectingNothingLeft(b)
            // The last delete removes the network it no longer shares: every round races again.
            _ = try await h.lab.engineAPI("DELETE", "/networks/\(lanNetwork)")
        }
        await h.shutdown()
    }
}
}
