import SocketIOCore
import Testing
import LabSupport

@Suite("Outbound queue")
struct OutboundQueueTests {
    @Test func startsEmpty() {
        var q = OutboundQueue<Int>(capacity: 3)
        #expect(q.isEmpty)
        #expect(q.count == 0)
        #expect(q.dropped == 0)
        #expect(q.drain() == [])
    }

    @Test func preservesOrder() {
        var q = OutboundQueue<String>(capacity: 10)
        for s in ["a", "b", "c", "d"] { q.append(s) }
        #expect(q.count == 4)
        #expect(!q.isEmpty)
        #expect(q.dropped == 0)
        #expect(q.drain() == ["a", "b", "c", "d"])
    }

    @Test func fullQueueDropsTheOldestAndCounts() {
        var q = OutboundQueue<Int>(capacity: 3)
        for i in 1...5 { q.append(i) }
        #expect(q.count == 3)
        #expect(q.dropped == 2)
        #expect(q.drain() == [3, 4, 5])
        #expect(q.dropped == 2)  // drain does not reset the counter
    }

    @Test func drainEmptiesAndTheQueueIsReusable() {
        var q = OutboundQueue<Int>(capacity: 2)
        q.append(1)
        q.append(2)
        #expect(q.drain() == [1, 2])
        #expect(q.isEmpty)
        #expect(q.count == 0)
        #expect(q.drain() == [])
        q.append(3)
        #expect(q.drain() == [3])
        #expect(q.dropped == 0)
    }

    @Test(arguments: [(0, 1), (-5, 1), (1, 1), (7, 7)])
    func capacityIsAtLeastOne(requested: Int, effective: Int) {
        var q = OutboundQueue<Int>(capacity: requested)
        #expect(q.capacity == effective)
        for i in 0..<(effective + 2) { q.append(i) }
        #expect(q.count == effective)
        #expect(q.dropped == 2)
    }

    @Test func capacityOneKeepsOnlyTheNewest() {
        var q = OutboundQueue<Int>(capacity: 1)
        q.append(1)
        #expect(q.dropped == 0)
        q.append(2)
        q.append(3)
        #expect(q.count == 1)
        #expect(q.dropped == 2)
        #expect(q.drain() == [3])
        q.prepend([10, 11])
        #expect(q.count == 1)
        #expect(q.dropped == 3)
        #expect(q.drain() == [11])
        q.append(4)
        q.prepend([9])
        #expect(q.drain() == [4])
        #expect(q.dropped == 4)
    }

    @Test func prependPutsOlderItemsInFront() {
        var q = OutboundQueue<Int>(capacity: 10)
        q.append(4)
        q.append(5)
        q.prepend([1, 2, 3])
        #expect(q.count == 5)
        #expect(q.dropped == 0)
        #expect(q.drain() == [1, 2, 3, 4, 5])
    }

    @Test func prependIntoEmptyQueue() {
        var q = OutboundQueue<Int>(capacity: 4)
        q.prepend([1, 2])
        #expect(q.drain() == [1, 2])
        q.prepend([])
        #expect(q.isEmpty)
        #expect(q.dropped == 0)
    }

    @Test func prependOverCapacityDropsFromTheFrontAndCounts() {
        var q = OutboundQueue<Int>(capacity: 4)
        q.append(5)
        q.append(6)
        q.append(7)
        q.prepend([1, 2, 3, 4])  // 7 items for 4 slots: 1, 2, 3 are the oldest
        #expect(q.count == 4)
        #expect(q.dropped == 3)
        #expect(q.drain() == [4, 5, 6, 7])
    }

    @Test func prependLargerThanCapacityKeepsTheNewestOfTheOlderBatch() {
        var q = OutboundQueue<Int>(capacity: 3)
        q.prepend(Array(1...8))
        #expect(q.dropped == 5)
        #expect(q.drain() == [6, 7, 8])
    }

    @Test func prependAfterDropsKeepsOrder() {
        var q = OutboundQueue<Int>(capacity: 3)
        for i in 10...14 { q.append(i) }  // keeps 12, 13, 14; dropped 2
        q.prepend([8, 9])  // 8, 9, 12, 13, 14 → drop 8, 9
        #expect(q.dropped == 4)
        #expect(q.drain() == [12, 13, 14])
    }

    @Test func appendAfterPrependStillDropsTheOldest() {
        var q = OutboundQueue<Int>(capacity: 3)
        q.append(3)
        q.prepend([1, 2])
        q.append(4)
        #expect(q.dropped == 1)
        #expect(q.drain() == [2, 3, 4])
    }

    /// Many append/overflow/drain cycles exercise the internal compaction; compare with a model.
    @Test(arguments: [1, 2, 3, 10, 64, 65, 100, 1000])
    func manyCyclesMatchAModel(capacity: Int) {
        var q = OutboundQueue<Int>(capacity: capacity)
        var model: [Int] = []
        var modelDropped = 0
        var rng = SeededRandom(seed: UInt64(capacity))
        var next = 0
        for step in 0..<3_000 {
            let op = Int.random(in: 0..<100, using: &rng)
            if op < 85 {
                let n = Int.random(in: 1...(capacity * 3 + 5), using: &rng)
                for _ in 0..<n {
                    q.append(next)
                    model.append(next)
                    if model.count > capacity {
                        model.removeFirst()
                        modelDropped += 1
                    }
                    next += 1
                }
            } else if op < 95 {
                let got = q.drain()
                #expect(got == model, "step \(step)")
                // Simulate a connection that died: put part of it back in front.
                let k = Int.random(in: 0...got.count, using: &rng)
                let back = Array(got.prefix(k))
                model = []
                q.prepend(back)
                model = back
                if model.count > capacity {
                    modelDropped += model.count - capacity
                    model.removeFirst(model.count - capacity)
                }
            } else {
                #expect(q.drain() == model, "step \(step)")
                model = []
            }
            #expect(q.count == model.count, "step \(step)")
            #expect(q.dropped == modelDropped, "step \(step)")
            #expect(q.isEmpty == model.isEmpty)
        }
        #expect(q.drain() == model)
    }

    @Test func longOverflowRunKeepsTheLastItems() {
        var q = OutboundQueue<Int>(capacity: 5)
        for i in 0..<100_000 { q.append(i) }
        #expect(q.count == 5)
        #expect(q.dropped == 99_995)
        #expect(q.drain() == [99_995, 99_996, 99_997, 99_998, 99_999])
    }

    @Test func interleavedAppendAndDrainWithoutOverflow() {
        var q = OutboundQueue<Int>(capacity: 100)
        var all: [Int] = []
        for round in 0..<500 {
            for j in 0..<(round % 7) { q.append(round * 10 + j) }
            all += q.drain()
        }
        let expected = (0..<500).flatMap { r in (0..<(r % 7)).map { r * 10 + $0 } }
        #expect(all == expected)
        #expect(q.dropped == 0)
    }
}
