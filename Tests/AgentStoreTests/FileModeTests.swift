import AgentJSON
import AgentStore
import Testing

@Suite struct FileModeTests {
    let root = TempDir()

    @Test func directoriesAre0700AndFilesAre0600() throws {
        let storeDir = root.path + "/state/plugins"
        let store = try DurableStore(directory: storeDir)
        try store.put("ns", "k", 1)
        #expect(permissions(root.path) == 0o700)
        #expect(permissions(root.path + "/state") == 0o700)
        #expect(permissions(storeDir) == 0o700)
        #expect(permissions(storeDir + "/ns.json") == 0o600)
    }

    @Test func aFileWhereTheDirectoryShouldBeIsAnIOError() throws {
        let store = try DurableStore(directory: root.path)
        try store.put("ns", "k", 1)
        let error = storeError { _ = try DurableStore(directory: root.file("ns.json")) }
        #expect(error?.code == .io)
        #expect(error?.errno != nil)
    }
}
