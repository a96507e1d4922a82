import AgentContracts
import AgentJSON
import Testing

/// The JSON form of contracts: exact shape, round trip, and every malformed form with its path.
@Suite struct ContractJSONTests {
    static let full: Contract = Contract.baseDevice.merging([
        "s": .string, "ne": .nonEmptyString, "n": .number, "b": .boolean, "d": .date,
        "i": .interfaceName, "x": .any,
        "vnics": .list(.object(["mode": .string, "dns": .optional(.list(.string))])),
        "ip": .optional(.object(["config": .object(["gateway": .string])])),
        "empty": .object([:]),
    ])

    @Test func exactTextForm() {
        let contract: Contract = ["id": .nonEmptyString, "tags": .optional(.list(.string)), "o": .object(["k": .any])]
        #expect(contract.jsonText ==
            #"{"fields":{"id":"non_empty_string","tags":{"optional":{"list":"string"}},"o":{"object":{"fields":{"k":"any"}}}}}"#)
    }

    @Test func leafNames() {
        let names: [(FieldType, String)] = [
            (.string, "string"), (.nonEmptyString, "non_empty_string"), (.number, "number"),
            (.boolean, "boolean"), (.date, "date"), (.interfaceName, "interface_name"), (.any, "any"),
        ]
        for (type, name) in names { #expect(type.json == .string(name)) }
    }

    @Test func roundTripsThroughValueAndText() throws {
        #expect(try Contract(json: Self.full.json) == Self.full)
        #expect(try Contract(jsonText: Self.full.jsonText) == Self.full)
        #expect(try Contract(json: Self.full.json).names == Self.full.names)
        #expect(try Contract(jsonText: #"{"fields":{}}"#) == Contract())
    }

    @Test func readOnlyTravelsInTheJSONForm() throws {
        let query = Self.full.readingOnly()
        #expect(query.jsonText.hasSuffix(#","read_only":true}"#))
        #expect(!Self.full.jsonText.contains("read_only"), "a contract that changes something keeps the old form")
        #expect(try Contract(jsonText: query.jsonText) == query)
        #expect(try Contract(jsonText: query.jsonText) != Self.full)
        #expect(Contract.baseMessage.merging(query).readOnly, "merging keeps the plugin's flag")
        #expect(throws: ContractError.self) { try Contract(jsonText: #"{"fields":{},"read_only":"yes"}"#) }
    }

    @Test func parsedContractValidates() throws {
        let contract = try Contract(jsonText: #"{"fields":{"vnics":{"list":{"object":{"fields":{"mode":"string"}}}}}}"#)
        #expect(contract.validate(json: ["vnics": [["mode": "dhcp"], ["mode": 1]]])?.field == "vnics[1].mode")
    }

    static let malformed: [(String, String, String)] = [
        // (contract text, expected path, a fragment of the message)
        (#"[]"#, "", "must be an object"),
        (#"{}"#, "", "must have the key \"fields\""),
        (#"{"fields":{},"extra":1}"#, "extra", "unexpected key 'extra'"),
        (#"{"fields":[]}"#, "fields", "\"fields\" must be an object, found array"),
        (#"{"fields":{"a":"str"}}"#, "fields.a", "unknown type name 'str'"),
        (#"{"fields":{"a":"String"}}"#, "fields.a", "unknown type name 'String'"),
        (#"{"fields":{"a":1}}"#, "fields.a", "found number"),
        (#"{"fields":{"a":null}}"#, "fields.a", "found null"),
        (#"{"fields":{"a":["string"]}}"#, "fields.a", "found array"),
        (#"{"fields":{"a":{}}}"#, "fields.a", "exactly one key"),
        (#"{"fields":{"a":{"optional":"string","list":"string"}}}"#, "fields.a", "exactly one key"),
        (#"{"fields":{"a":{"maybe":"string"}}}"#, "fields.a.maybe", "unknown type constructor 'maybe'"),
        (#"{"fields":{"a":{"optional":"nope"}}}"#, "fields.a.optional", "unknown type name 'nope'"),
        (#"{"fields":{"a":{"list":{"list":7}}}}"#, "fields.a.list.list", "found number"),
        (#"{"fields":{"a":{"object":"string"}}}"#, "fields.a.object", "must be an object"),
        (#"{"fields":{"a":{"object":{}}}}"#, "fields.a.object", "must have the key \"fields\""),
        (#"{"fields":{"a":{"object":{"fields":{},"x":1}}}}"#, "fields.a.object.x", "unexpected key 'x'"),
        (#"{"fields":{"vnics":{"list":{"object":{"fields":{"name":"string","mode":"enum"}}}}}}"#,
         "fields.vnics.list.object.fields.mode", "unknown type name 'enum'"),
    ]

    @Test(arguments: malformed)
    func malformedContractIsRejectedWithPath(text: String, path: String, fragment: String) {
        #expect {
            _ = try Contract(jsonText: text)
        } throws: { error in
            guard let error = error as? ContractError else { return false }
            return error.code == .invalidContract && error.path == path && error.message.contains(fragment)
        }
    }

    @Test func invalidJSONText() {
        do {
            _ = try Contract(jsonText: #"{"fields":"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidJSON)
            #expect(error.path == "")
        }
    }

    @Test func errorDescriptionIncludesPath() {
        let error = ContractError(code: .invalidContract, message: "bad", path: "fields.a")
        #expect(error.description == "invalid_contract at fields.a: bad")
    }
}
