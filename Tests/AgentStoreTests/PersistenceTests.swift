import AgentJSON
import AgentStore
import Testing

@Suite struct PersistenceTests {
    let dir = TempDir()

    @Test func newInstanceSeesEarlierWrites() throws {
        do {
            let store = try DurableStore(directory: dir.path)
            try store.put("ns", "kept", ["deep": [1.5, "two", nil, false]])
            try store.put("ns", "gone", 1)
            try store.delete("ns", "gone")
            try store.put("other", "x", "y")
        }
        let reopened = try DurableStore(directory: dir.path)
        #expect(try reopened.get("ns", "kept") == ["deep": [1.5, "two", nil, false]])
        #expect(try reopened.get("ns", "gone") == nil)
        #expect(try reopened.list("ns") == ["kept"])
        #expect(try reopened.get("other", "x") == "y")
    }

    @Test func fileIsVersionedJSONWithSortedKeys() throws {
        let store = try DurableStore(directory: dir.path)
        try store.put("ns", "b", 2)
        try store.put("ns", "a", "x")
        let text = String(decoding: fileBytes(dir.file("ns.json")) ?? [], as: UTF8.self)
        #expect(text == "{\"format\":1,\"namespace\":\"ns\",\"entries\":{\n  \"a\":\"x\",\n  \"b\":2\n}}\n")
        let parsed = try JSONParser.parse(text)
        #expect(parsed.objectValue?["entries"] == ["a": "x", "b": 2])
    }
}
