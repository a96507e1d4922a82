import AgentJSON
import AgentStore
import Testing

@Suite struct NamespaceIsolationTests {
    let dir = TempDir()

    @Test func sameKeyInTwoNamespacesIsIndependent() throws {
        let store = try DurableStore(directory: dir.path)
        try store.put("com.example.counter-c", "n", 1)
        try store.put("com.example.greeter", "n", 2)
        try store.delete("com.example.greeter", "n")
        #expect(try store.get("com.example.counter-c", "n") == .number(1))
        #expect(try store.get("com.example.greeter", "n") == nil)
        #expect(try store.list("com.example.greeter") == [])
    }

    @Test func eachNamespaceHasItsOwnFile() throws {
        let store = try DurableStore(directory: dir.path)
        try store.put("com.example.a", "k", 1)
        try store.put("com.example.b", "k", 2)
        #expect(directoryNames(dir.path) == ["com.example.a.json", "com.example.b.json"])
    }
}
