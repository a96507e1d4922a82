import AgentJSON
import AgentStore
import Testing

@Suite struct ConcurrencyTests {
    let dir = TempDir()

    @Test func concurrentWritersLoseNothing() async throws {
        let store = try DurableStore(directory: dir.path)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for i in 0..<25 {
                        try store.put("ns-\(worker % 2)", "w\(worker)-\(i)", .number(Double(i)))
                    }
                }
            }
            try await group.waitForAll()
        }
        let reopened = try DurableStore(directory: dir.path)
        #expect(try reopened.list("ns-0").count == 50)
        #expect(try reopened.list("ns-1").count == 50)
        #expect(try reopened.get("ns-1", "w3-24") == .number(24))
    }
}
