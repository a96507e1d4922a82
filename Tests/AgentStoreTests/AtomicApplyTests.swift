import AgentJSON
import AgentStore
import Testing

@Suite struct AtomicApplyTests {
    let dir = TempDir()

    @Test func batchAppliesEveryOperationInOrder() throws {
        let store = try DurableStore(directory: dir.path)
        try store.put("ns", "old", 0)
        try store.apply("ns", [
            .put(key: "a", value: 1), .put(key: "b", value: 2), .delete(key: "old"), .put(key: "a", value: 3),
        ])
        #expect(try store.list("ns") == ["a", "b"])
        #expect(try store.get("ns", "a") == .number(3))
        #expect(try DurableStore(directory: dir.path).get("ns", "b") == .number(2))
    }

    @Test func oneInvalidKeyAppliesNothing() throws {
        let store = try DurableStore(directory: dir.path)
        try store.put("ns", "a", "before")
        let fileBefore = fileBytes(dir.file("ns.json"))
        let error = storeError {
            try store.apply("ns", [.put(key: "a", value: "after"), .put(key: "", value: 1), .delete(key: "a")])
        }
        #expect(error?.code == .invalidKey)
        #expect(try store.get("ns", "a") == "before")
        #expect(try store.list("ns") == ["a"])
        #expect(fileBytes(dir.file("ns.json")) == fileBefore)
        #expect(try DurableStore(directory: dir.path).get("ns", "a") == "before")
    }

    @Test func oneInvalidValueAppliesNothing() throws {
        let store = try DurableStore(directory: dir.path)
        let error = storeError {
            try store.apply("ns", [.put(key: "ok", value: 1), .put(key: "nan", value: .number(.nan))])
        }
        #expect(error?.code == .invalidValue)
        #expect(try store.list("ns") == [])
        #expect(fileBytes(dir.file("ns.json")) == nil)
    }
}
