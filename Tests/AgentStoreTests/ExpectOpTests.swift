import AgentJSON
import AgentStore
import Testing

/// The `expect` operation: a batch's precondition, which makes a compare-and-swap.
@Suite struct ExpectOpTests {
    let dir = TempDir()

    @Test func aHoldingExpectLetsTheBatchApply() throws {
        let store = try DurableStore(directory: dir.path)
        try store.put("ns", "count", 4)
        try store.apply("ns", [.expect(key: "count", value: 4), .put(key: "count", value: 5)])
        #expect(try store.get("ns", "count") == 5)
        try store.apply("ns", [.expect(key: "new", value: Optional<JSONValue>.none), .put(key: "new", value: "made")])
        // A stored JSON null is a value, not an absence.
        try store.put("ns", "null", .null)
        try store.apply("ns", [.expect(key: "null", value: .some(.null)), .put(key: "null", value: 1)])
        #expect(storeError { try store.apply("ns", [.expect(key: "null", value: Optional<JSONValue>.none)]) }?.code == .conflict)
        #expect(try store.get("ns", "new") == "made")
    }

    @Test func aFailedExpectChangesNothingAndSaysConflict() throws {
        let store = try DurableStore(directory: dir.path)
        try store.put("ns", "count", 4)
        let fileBefore = fileBytes(dir.file("ns.json"))
        let error = storeError { try store.apply("ns", [.put(key: "other", value: 1), .expect(key: "count", value: 3), .put(key: "count", value: 4)]) }
        #expect(error?.code == .conflict)
        #expect(error?.kind == .conflict)
        #expect(try store.get("ns", "other") == nil)
        #expect(fileBytes(dir.file("ns.json")) == fileBefore)
        #expect(storeError { try store.apply("ns", [.expect(key: "count", value: Optional<JSONValue>.none)]) }?.code == .conflict)
    }

    @Test func anExpectSeesTheOperationsBeforeItInTheBatch() throws {
        let store = try DurableStore(directory: dir.path)
        try store.apply("ns", [.put(key: "a", value: 1), .expect(key: "a", value: 1), .put(key: "a", value: 2)])
        #expect(try store.get("ns", "a") == 2)
    }

    @Test func theBatchFormParsesExpectWithAndWithoutAValue() throws {
        let ops = try StoreOp.parse(
            try JSONParser.parse(Array(#"[{"op":"expect","key":"k"},{"op":"expect","key":"j","value":null}]"#.utf8)))
        guard ops.count == 2, case .expect("k", let absent) = ops[0], case .expect("j", let present) = ops[1] else {
            Issue.record("\(ops)")
            return
        }
        #expect(absent == Optional<JSONValue>.none)
        #expect(present == .some(JSONValue.null))
        let extra = try? StoreOp.parse(try JSONParser.parse(Array(#"[{"op":"expect","key":"k","value":1,"x":2}]"#.utf8)))
        #expect(extra == nil)
    }
}
