/// A client's pending output with a hard bound: a peer that stops reading is dropped once this
/// much is queued, instead of blocking the loop or growing memory.
public struct OutputQueue: Sendable {
    /// Default bound: 4 MiB.
    public static let defaultLimit = 4 << 20

    public let limit: Int
    private var storage: [UInt8] = []
    private var head = 0

    public init(limit: Int = OutputQueue.defaultLimit) { self.limit = limit }

    /// Bytes waiting to be written.
    public var count: Int { storage.count - head }
    public var isEmpty: Bool { count == 0 }

    /// Queues `line` plus a newline. Returns false (and queues nothing) when that would exceed
    /// the bound: the caller drops the client.
    public mutating func append(line: [UInt8]) -> Bool {
        guard count + line.count + 1 <= limit else { return false }
        if head > 0 && head >= storage.count / 2 {
            storage.removeFirst(head)
            head = 0
        }
        storage.append(contentsOf: line)
        storage.append(UInt8(ascii: "\n"))
        return true
    }

    /// Lends the pending bytes to `body`, which answers how many it consumed (wrote).
    public mutating func drain(_ body: (UnsafeRawBufferPointer) -> Int) {
        guard !isEmpty else { return }
        let used = storage.withUnsafeBytes { raw in body(UnsafeRawBufferPointer(rebasing: raw[head...])) }
        head += max(0, min(used, count))
        if head == storage.count {
            storage.removeAll(keepingCapacity: storage.capacity <= 65536)
            head = 0
        }
    }
}
