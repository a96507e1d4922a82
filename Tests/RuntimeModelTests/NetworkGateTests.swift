import RuntimeModel
import Synchronization
import Testing

@Suite("network gate", .timeLimit(.minutes(1)))
struct NetworkGateTests {
    /// Counts how many bodies are inside the gate at once, and the most ever seen.
    final class Occupancy: Sendable {
        let state = Mutex((inside: 0, most: 0, order: [Int]()))
        func enter(_ i: Int) { state.withLock { $0.inside += 1; $0.most = max($0.most, $0.inside); $0.order.append(i) } }
        func leave() { state.withLock { $0.inside -= 1 } }
    }

    @Test("one body at a time, even when every body suspends inside")
    func mutualExclusion() async throws {
        let gate = NetworkGate()
        let seen = Occupancy()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<64 {
                group.addTask {
                    try await gate.run { () async throws(RuntimeError) -> Void in
                        seen.enter(i)
                        try? await Task.sleep(for: .milliseconds(1))  // sleep-audit: input (holds the gate so that tasks interleave)
                        await Task.yield()
                        seen.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        let s = seen.state.withLock { $0 }
        #expect(s.most == 1)
        #expect(s.order.count == 64)
        #expect(Set(s.order).count == 64)
    }

    @Test("a body that throws releases the gate and its error reaches the caller")
    func throwingBodyReleases() async throws {
        let gate = NetworkGate()
        await #expect(throws: RuntimeError("boom", "failed inside")) {
            try await gate.run { () async throws(RuntimeError) -> Int in throw RuntimeError("boom", "failed inside") }
        }
        // Taken again at once: if the throw had kept it, this would wait forever (the suite's
        // time limit fails it).
        let v = try await gate.run { () async throws(RuntimeError) -> Int in 7 }
        #expect(v == 7)
    }
}
