import AgentJSON
import AgentStore
import Testing

@Suite struct StoreOpParseTests {
    @Test func parsesPutsAndDeletes() throws {
        let json = try JSONParser.parse(#"[{"op":"put","key":"a","value":{"x":[1]}},{"op":"delete","key":"b"}]"#)
        #expect(try StoreOp.parse(json) == [.put(key: "a", value: ["x": [1]]), .delete(key: "b")])
        #expect(try StoreOp.parse([]) == [])
    }

    @Test(arguments: [
        #"{"op":"put","key":"a","value":1}"#,
        #"[1]"#,
        #"[{"op":"put","key":"a"}]"#,
        #"[{"op":"upsert","key":"a","value":1}]"#,
        #"[{"op":"delete","key":7}]"#,
        #"[{"op":"delete","key":"a","value":1}]"#,
        #"[{"op":"put","key":"a","value":1,"extra":true}]"#,
    ])
    func rejectsMalformedBatches(text: String) throws {
        let json = try JSONParser.parse(text)
        let error = storeError { _ = try StoreOp.parse(json) }
        #expect(error?.code == .invalidBatch)
        #expect(error?.message.contains("op") == true)
    }
}
