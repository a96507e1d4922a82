/// Events kept while the link is down: bounded, in order, oldest dropped first (and counted).
public struct OutboundQueue<Element: Sendable>: Sendable {
    public let capacity: Int
    private var items: [Element] = []
    private var head = 0
    /// Events dropped because the queue was full, since creation.
    public private(set) var dropped = 0

    public init(capacity: Int) { self.capacity = max(1, capacity) }

    public var count: Int { items.count - head }
    public var isEmpty: Bool { count == 0 }

    /// Appends; drops the oldest when full.
    public mutating func append(_ e: Element) {
        if count == capacity {
            head += 1
            dropped += 1
        }
        items.append(e)
        if head > 64, head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
    }

    /// Puts `older` back in front (events that were taken for a connection that died before
    /// writing them); if that overflows, the oldest are dropped and counted.
    public mutating func prepend(_ older: [Element]) {
        var all = older + Array(items[head...])
        if all.count > capacity {
            dropped += all.count - capacity
            all.removeFirst(all.count - capacity)
        }
        items = all
        head = 0
    }

    /// Removes and returns everything, oldest first.
    public mutating func drain() -> [Element] {
        let out = Array(items[head...])
        items.removeAll(keepingCapacity: true)
        head = 0
        return out
    }
}
