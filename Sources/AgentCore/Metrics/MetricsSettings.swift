import AgentJSON
#if canImport(Glibc)
import Glibc
#endif

/// Where the metrics endpoint listens: the `metrics` section of the site config. The endpoint
/// runs only while `features.metrics_endpoint` is true.
///
/// ```json
/// "features": { "metrics_endpoint": true },
/// "metrics":  { "address": "127.0.0.1", "port": 9464 }
/// ```
///
/// The address must be a loopback address (`127.0.0.0/8` or `::1`): the endpoint has no
/// authentication and is meant for a node exporter or agent on the same host.
public struct MetricsSettings: Sendable, Equatable {
    /// The feature flag that turns the endpoint on.
    public static let feature = "metrics_endpoint"
    /// Default port (the one OpenTelemetry's Prometheus exporter uses).
    public static let defaultPort: UInt16 = 9464

    /// A loopback IP literal.
    public var address = "127.0.0.1"
    /// TCP port; 0 lets the kernel pick a free one (tests), see ``MetricsEndpoint/boundPort``.
    public var port: UInt16 = MetricsSettings.defaultPort

    /// The defaults (127.0.0.1:9464).
    public init() {}

    /// Validates the `metrics` section of a site config document (`SiteConfig.raw`); a missing
    /// section gives the defaults.
    /// - Throws: ``AgentCoreError`` `config_invalid` with the field (`metrics.address` for an
    ///   address that is not loopback).
    public static func parse(_ raw: JSONObject) throws(AgentCoreError) -> MetricsSettings {
        var s = MetricsSettings()
        guard let value = raw["metrics"] else { return s }
        guard let obj = value.objectValue else { throw invalid("metrics", "must be an object") }
        for (key, v) in obj.entries {
            switch key {
            case "address":
                guard let a = v.stringValue, isLoopback(a) else {
                    throw invalid(
                        "metrics.address", "must be a loopback IP address (127.0.0.1 … 127.255.255.255 or ::1); the endpoint has no authentication")
                }
                s.address = a
            case "port":
                guard let n = v.numberValue, n == n.rounded(), n >= 0, n <= 65535 else {
                    throw invalid("metrics.port", "must be a whole number in 0...65535 (0 picks a free port)")
                }
                s.port = UInt16(n)
            default:
                throw invalid("metrics.\(key)", "is not a metrics setting (address, port)")
            }
        }
        return s
    }

    /// Whether the endpoint should run under `config`, and where.
    /// - Throws: as ``parse(_:)``.
    public static func wanted(in config: SiteConfig) throws(AgentCoreError) -> MetricsSettings? {
        let settings = try parse(config.raw)
        return config.isFeatureEnabled(feature) ? settings : nil
    }

    /// True for an IPv4 literal in 127.0.0.0/8 or the IPv6 literal `::1`.
    static func isLoopback(_ address: String) -> Bool {
        // The address bytes in network order (4 for IPv4, 16 for IPv6).
        var bytes = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET, address, &bytes) == 1 { return bytes[0] == 127 }
        guard inet_pton(AF_INET6, address, &bytes) == 1 else { return false }
        return bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1
    }

    private static func invalid(_ field: String, _ message: String) -> AgentCoreError {
        AgentCoreError(.configInvalid, "'\(field)' \(message)", field: field)
    }
}
