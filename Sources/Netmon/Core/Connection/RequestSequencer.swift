/// Orders the work of one connection: requests without an id run one at a time in arrival order
/// (upstream clients match replies by order); requests with an id start at once.
///
/// Generic over the queued item so errors for malformed lines (which must also be answered in
/// order) can share the queue with real commands.
public struct RequestSequencer<Item: Sendable>: Sendable {
    private var queue: [Item] = []
    private var busy = false

    public init() {}

    /// Whether an ordered request is running.
    public var isBusy: Bool { busy }
    /// Ordered requests waiting behind the running one.
    public var waiting: Int { queue.count }

    /// An ordered request arrived. Returns it when it may start now, else queues it.
    public mutating func submit(_ item: Item) -> Item? {
        if busy {
            queue.append(item)
            return nil
        }
        busy = true
        return item
    }

    /// The running ordered request finished. Returns the next one to start, if any.
    public mutating func finished() -> Item? {
        guard !queue.isEmpty else {
            busy = false
            return nil
        }
        return queue.removeFirst()
    }
}
