import AgentJSON

/// A validated `upgrade_orchestrator` request (docs/upgrade.md): which image to move to, the
/// optional netmon image, and how long the new agent gets to prove itself.
public struct UpgradeRequest: Sendable, Equatable {
    /// The accepted health deadlines, in seconds.
    public static let deadlineRange = 10...600
    /// The default deadline (upstream has none; 120 s covers a slow ARM board's start).
    public static let defaultDeadline = 120

    /// The new agent image; nil means "the reference the agent's container runs now" (re-pull
    /// the same tag, as upstream's `:latest`).
    public var image: String?
    /// The new netmon image, when the netmon sidecar moves too (pulled with the agent's).
    public var netmonImage: String?
    public var deadlineSeconds: Int

    /// Reads the message, falling back to the site's `agent_image`, `netmon_image` and
    /// `upgrade_deadline_s`.
    /// - Throws: ``RuntimeError`` `invalid_image` (`image`, `netmon_image`) or
    ///   `invalid_deadline` (`deadline_s`).
    public init(message: JSONObject, siteImage: String?, siteNetmonImage: String?, siteDeadline: Int?) throws(RuntimeError) {
        func ref(_ key: String, _ fallback: String?) throws(RuntimeError) -> String? {
            guard let v = message[key], !v.isNull else { return fallback }
            guard let s = v.stringValue, Naming.isValidImageReference(s) else {
                throw RuntimeError(
                    "invalid_image", "\(key) must be an image reference (repo[:tag], repo@sha256:…)", field: key)
            }
            return s
        }
        image = try ref("image", siteImage)
        netmonImage = try ref("netmon_image", siteNetmonImage)
        deadlineSeconds = siteDeadline ?? Self.defaultDeadline
        if let v = message["deadline_s"], !v.isNull {
            guard let n = v.numberValue, n == n.rounded(), n >= Double(Self.deadlineRange.lowerBound),
                n <= Double(Self.deadlineRange.upperBound)
            else {
                throw RuntimeError(
                    "invalid_deadline",
                    "deadline_s must be a whole number of seconds from \(Self.deadlineRange.lowerBound) to \(Self.deadlineRange.upperBound)",
                    field: "deadline_s")
            }
            deadlineSeconds = Int(n)
        }
    }
}
