import AgentJSON

/// One container swap of the Docker upgrader, from `swap.prepare` to its commit or rollback:
/// what was read before anything changed, and how far `swap.begin` got (what a rollback undoes).
public struct SwapTicket: Sendable, Equatable {
    /// The container being replaced: its id, name and the image reference it ran.
    public let oldID: String
    public let name: String
    public let fromImage: String
    /// `<name>_previous`, the old container's name while its successor runs.
    public let previous: String
    /// The old container's restart policy, put back by a rollback.
    public let restartPolicy: String
    /// The successor's `container.create` parameters (``ContainerRecreation``).
    public let createParams: JSONObject
    /// An exited leftover `<name>_previous` (its id), removed by `swap.begin` before the rename.
    public let leftoverPrevious: String?

    /// `swap.begin` was called (from then on a rollback restores the restart policy and starts
    /// the old container).
    public var begun = false
    /// The old container was renamed to ``previous``.
    public var renamed = false
    /// The successor, once created.
    public var newID: String?
    /// The successor was started (`swap.begin` succeeded).
    public var started = false

    public init(
        oldID: String, name: String, fromImage: String, previous: String, restartPolicy: String, createParams: JSONObject,
        leftoverPrevious: String?
    ) {
        self.oldID = oldID
        self.name = name
        self.fromImage = fromImage
        self.previous = previous
        self.restartPolicy = restartPolicy
        self.createParams = createParams
        self.leftoverPrevious = leftoverPrevious
    }
}
