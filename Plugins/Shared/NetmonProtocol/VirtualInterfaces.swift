/// Which host interfaces are "virtual" (container plumbing, VPNs, tunnels) rather than plant
/// networks. One list for the sidecar and the agent (upstream kept two copies by hand).
public enum VirtualInterfaces {
    /// Case-insensitive name prefixes of virtual interfaces (spec §2.6 / §7.1).
    public static let prefixes = [
        "lo", "docker", "br-", "veth", "virbr", "tailscale", "zt", "cni", "flannel", "kube-ipvs", "wg", "cilium",
        "macvtap", "sit", "can",
    ]

    /// True when `name` starts with one of ``prefixes`` (ASCII case-insensitive).
    public static func isVirtual(_ name: String) -> Bool {
        let lower = String(name.lowercased())
        return prefixes.contains { lower.hasPrefix($0) }
    }
}
