import FoundationEssentials

/// What `orchestrator-agent check` was asked to do.
public struct CheckOptions: Sendable {
    /// The site config file.
    public var configPath: String
    /// How long the cloud probe waits for the transport's `connected`, in seconds (default 10).
    public var cloudTimeout: Double
    /// A client certificate expiring within this many days is a warning (default 30).
    public var warnDays: Int
    /// Verify the client certificate against this CA file instead of `cloud.ca_bundle`.
    public var clientCA: String?
    /// How long the Docker and netmon socket probes wait, in seconds.
    public var socketTimeout: Double
    /// Forward the cloud probe's log lines (its temporary agent and transport) to stderr.
    public var verbose: Bool
    /// "Now" for validity checks.
    public var now: Date

    public init(
        configPath: String, cloudTimeout: Double = 10, warnDays: Int = 30, clientCA: String? = nil,
        socketTimeout: Double = 5, verbose: Bool = false, now: Date = Date()
    ) {
        self.configPath = configPath
        self.cloudTimeout = cloudTimeout
        self.warnDays = warnDays
        self.clientCA = clientCA
        self.socketTimeout = socketTimeout
        self.verbose = verbose
        self.now = now
    }
}
