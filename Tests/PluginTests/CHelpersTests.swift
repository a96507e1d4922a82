import AgentJSON
import CAgentABI
import Testing

/// agent_plugin_helpers.h, the C authors' helpers, called through the C importer.
@Suite("C plugin helpers (agent_plugin_helpers.h)")
struct CHelpersTests {
    static func withMessage<T>(_ json: String, _ body: (agent_bytes) -> T) -> T {
        let bytes = Array(json.utf8)
        return bytes.withUnsafeBufferPointer { body(agent_bytes(ptr: $0.baseAddress, len: $0.count)) }
    }

    @Test("members are found past nested values and escaped strings; absent, null and wrong types say so")
    func reading() {
        let message = #"{"skip":{"a":[1,{"b":"}"}]},"name":"PLC \"one\"\n","n":-2.5e3,"on":true,"nothing":null,"list":[1]}"#
        Self.withMessage(message) { m in
            var buf = [CChar](repeating: 0, count: 64)
            #expect(agent_json_string(m, "name", &buf, 64) == 1)
            #expect(String(cString: buf) == "PLC \"one\"\n")
            var n = 0.0
            #expect(agent_json_number(m, "n", &n) == 1)
            #expect(n == -2500)
            var on: Int32 = 0
            #expect(agent_json_bool(m, "on", &on) == 1 && on == 1)
            #expect(agent_json_number(m, "nothing", &n) == 0)
            #expect(agent_json_number(m, "absent", &n) == 0)
            #expect(agent_json_number(m, "name", &n) == -1)
            #expect(agent_json_string(m, "list", &buf, 64) == -1)
            #expect(agent_json_string(m, "name", &buf, 4) == -1, "too long for the buffer")
        }
        Self.withMessage("[1,2]") { m in
            var n = 0.0
            #expect(agent_json_number(m, "x", &n) == -1)
        }
    }

    @Test("an answer and an error body are JSON the agent parses, with escapes")
    func building() throws {
        var a = agent_answer_begin()
        agent_answer_string(&a, "status", "ok \"quoted\"\t")
        agent_answer_number(&a, "count", 42)
        agent_answer_number(&a, "ratio", 0.5)
        agent_answer_bool(&a, "done", 1)
        let owned = agent_answer_finish(&a)
        let bytes = Array(UnsafeBufferPointer(start: owned.ptr, count: owned.len))
        agent_owned_release(owned)
        let o = try JSONParser.parse(bytes).objectValue
        #expect(o?["status"] == "ok \"quoted\"\t")
        #expect(o?["count"] == 42)
        #expect(o?["ratio"] == 0.5)
        #expect(o?["done"] == true)

        let err = agent_error_body("bad_increment", "must be a number", "increment")
        let e = try JSONParser.parse(Array(UnsafeBufferPointer(start: err.ptr, count: err.len))).objectValue
        agent_owned_release(err)
        #expect(e == ["code": "bad_increment", "message": "must be a number", "field": "increment"])
        var empty = agent_answer_begin()
        let none = agent_answer_finish(&empty)
        #expect(String(decoding: UnsafeBufferPointer(start: none.ptr, count: none.len), as: UTF8.self) == "{}")
        agent_owned_release(none)
    }
}
