import AgentJSON

extension ProxyRequest {
    /// The port the OpenPLC runtime serves its REST API on, over https with a self-signed
    /// certificate; `run_command`'s default port.
    public static let runtimePort = 8443

    /// The site's `runtime_scheme`: which scheme a `run_command` without its own `scheme` gets.
    public enum SchemeRule: String, Sendable, CaseIterable {
        /// Upstream's rule (spec §2.4): https on ``ProxyRequest/runtimePort`` (8443), http on
        /// every other port.
        case auto
        /// http on every port (a site whose runtimes serve plain HTTP).
        case http
        /// https on every port.
        case https

        /// The scheme of a request to `port` that does not name one.
        public func scheme(port: Int) -> Scheme {
            switch self {
            case .auto: return port == ProxyRequest.runtimePort ? .https : .http
            case .http: return .http
            case .https: return .https
            }
        }

        /// Reads the site value of `runtime_scheme`.
        /// - Throws: ``RuntimeError`` `bad_config` with the field `config.runtime_scheme` unless
        ///   the value is one of `"auto"`, `"http"`, `"https"`.
        public init(siteValue: JSONValue) throws(RuntimeError) {
            guard let s = siteValue.stringValue, let rule = SchemeRule(rawValue: s) else {
                throw RuntimeError(
                    "bad_config",
                    "runtime_scheme: must be \"auto\" (https on \(ProxyRequest.runtimePort), http on other ports), \"http\" or \"https\"",
                    field: "config.runtime_scheme")
            }
            self = rule
        }
    }
}
