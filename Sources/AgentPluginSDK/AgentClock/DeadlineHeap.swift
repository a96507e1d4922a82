/// A binary min-heap of (deadline, id), the earliest first. Pure; ``ClockScheduler`` keeps one.
struct DeadlineHeap {
    struct Entry {
        let deadline: ClockInstant
        let id: UInt64
    }

    private var h: [Entry] = []

    var count: Int { h.count }
    var first: Entry? { h.first }

    mutating func push(deadline: ClockInstant, id: UInt64) {
        h.append(Entry(deadline: deadline, id: id))
        var i = h.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard h[i].deadline < h[parent].deadline else { break }
            h.swapAt(i, parent)
            i = parent
        }
    }

    mutating func popFirst() {
        guard !h.isEmpty else { return }
        h.swapAt(0, h.count - 1)
        h.removeLast()
        siftDown(from: 0)
    }

    /// Drops the entries `stale` says so and restores the heap order.
    mutating func removeAll(where stale: (UInt64) -> Bool) {
        h.removeAll { stale($0.id) }
        guard h.count > 1 else { return }
        for i in stride(from: h.count / 2 - 1, through: 0, by: -1) { siftDown(from: i) }
    }

    private mutating func siftDown(from start: Int) {
        var i = start
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < h.count, h[l].deadline < h[m].deadline { m = l }
            if r < h.count, h[r].deadline < h[m].deadline { m = r }
            guard m != i else { return }
            h.swapAt(i, m)
            i = m
        }
    }
}
