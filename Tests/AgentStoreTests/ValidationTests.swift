import AgentJSON
import AgentStore
import Testing

@Suite struct ValidationTests {
    let dir = TempDir()

    @Test(arguments: ["", ".hidden", "a/b", "../x", "has space", "ümlaut", String(repeating: "a", count: 129)])
    func invalidNamespacesAreRejected(namespace: String) throws {
        let store = try DurableStore(directory: dir.path)
        #expect(storeError { try store.put(namespace, "k", 1) }?.code == .invalidNamespace)
        #expect(storeError { _ = try store.get(namespace, "k") }?.code == .invalidNamespace)
        #expect(storeError { _ = try store.list(namespace) }?.code == .invalidNamespace)
        #expect(directoryNames(dir.path) == [])
    }

    @Test func longestValidNamespaceIsAccepted() throws {
        let store = try DurableStore(directory: dir.path)
        let name = "A-z_0.9" + String(repeating: "n", count: 121)
        try store.put(name, "k", 1)
        #expect(try store.get(name, "k") == .number(1))
    }

    @Test(arguments: ["", String(repeating: "k", count: 1025), "nul\u{0}inside", String(repeating: "é", count: 513)])
    func invalidKeysAreRejected(key: String) throws {
        let store = try DurableStore(directory: dir.path)
        let error = storeError { try store.put("ns", key, 1) }
        #expect(error?.code == .invalidKey)
        #expect(error?.message.contains("1024") == true)
        #expect(storeError { try store.delete("ns", key) }?.code == .invalidKey)
    }

    @Test func keyOf1024BytesIsAccepted() throws {
        let store = try DurableStore(directory: dir.path)
        let key = String(repeating: "é", count: 512)
        try store.put("ns", key, 1)
        #expect(try DurableStore(directory: dir.path).list("ns") == [key])
    }

    @Test func valuesThatCannotRoundTripAreRejected() throws {
        let store = try DurableStore(directory: dir.path)
        var deep: JSONValue = 1
        for _ in 0..<63 { deep = [deep] }
        #expect(storeError { try store.put("ns", "inf", .number(.infinity)) }?.code == .invalidValue)
        #expect(storeError { try store.put("ns", "deep", deep) }?.code == .invalidValue)
        guard case .array(let items) = deep, let shallower = items.first else { return }
        try store.put("ns", "deep", shallower)
        #expect(try DurableStore(directory: dir.path).get("ns", "deep") == shallower)
    }
}
