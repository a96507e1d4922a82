import AgentJSON
import AgentStore
import Testing

@Suite struct BasicOperationsTests {
    let dir = TempDir()

    @Test func putThenGetReturnsTheValue() throws {
        let store = try DurableStore(directory: dir.path)
        try store.put("com.example.a", "count", .number(3))
        try store.put("com.example.a", "config", ["mode": "fast", "limits": [1, 2]])
        #expect(try store.get("com.example.a", "count") == .number(3))
        #expect(try store.get("com.example.a", "config") == ["mode": "fast", "limits": [1, 2]])
    }

    @Test func getOfAbsentKeyIsNilButStoredNullIsNull() throws {
        let store = try DurableStore(directory: dir.path)
        #expect(try store.get("com.example.a", "missing") == nil)
        try store.put("com.example.a", "nothing", .null)
        #expect(try store.get("com.example.a", "nothing") == .null)
    }

    @Test func putOverwrites() throws {
        let store = try DurableStore(directory: dir.path)
        try store.put("ns", "k", "first")
        try store.put("ns", "k", "second")
        #expect(try store.get("ns", "k") == "second")
        #expect(try store.list("ns") == ["k"])
    }

    @Test func deleteRemovesAndAbsentKeyIsFine() throws {
        let store = try DurableStore(directory: dir.path)
        try store.put("ns", "k", true)
        try store.delete("ns", "k")
        #expect(try store.get("ns", "k") == nil)
        try store.delete("ns", "never-there")
        #expect(try store.list("ns") == [])
    }

    @Test func listFiltersByPrefixAndSorts() throws {
        let store = try DurableStore(directory: dir.path)
        for key in ["sensor.b", "other", "sensor.a", "sensor.c.x", "sensorless"] {
            try store.put("ns", key, 1)
        }
        #expect(try store.list("ns", prefix: "sensor.") == ["sensor.a", "sensor.b", "sensor.c.x"])
        #expect(try store.list("ns") == ["other", "sensor.a", "sensor.b", "sensor.c.x", "sensorless"])
        #expect(try store.list("ns", prefix: "zzz") == [])
    }

    @Test func noOpDeleteDoesNotCreateAFile() throws {
        let store = try DurableStore(directory: dir.path)
        try store.delete("ns", "absent")
        #expect(fileBytes(dir.file("ns.json")) == nil)
    }
}
