import AgentContracts
import AgentJSON
import Testing

/// Each leaf type's accept and reject sets, and the exact upstream text for a reject.
@Suite struct FieldTypeTests {
    static let acceptCases: [(FieldType, JSONValue)] = [
        (.string, "hello"), (.string, ""), (.string, "  "),
        (.nonEmptyString, "x"), (.nonEmptyString, " padded "),
        (.number, 0), (.number, -3.5), (.number, 1e300),
        (.boolean, true), (.boolean, false),
        (.date, "2024-01-31"), (.date, "2024-01-31T10:20:30Z"),
        (.interfaceName, "eth0"), (.interfaceName, "br-1a2b.100_x"), (.interfaceName, "a"),
        (.interfaceName, "abcdefghijklmno"),
        (.any, nil), (.any, 1), (.any, "s"), (.any, [1, 2]), (.any, ["k": true]), (.any, false),
        (.list(.number), []), (.list(.number), [1, 2, 3]), (.list(.any), [nil, "x"]),
        (.object(["a": .string]), ["a": "x"]), (.object([:]), [:]),
        (.optional(.string), nil), (.optional(.string), "x"), (.optional(.list(.string)), ["a"]),
    ]

    @Test(arguments: acceptCases)
    func accepts(type: FieldType, value: JSONValue) {
        #expect(check(type, value) == nil)
    }

    static let rejectCases: [(FieldType, JSONValue, String)] = [
        (.string, 1, "a string."), (.string, nil, "a string."), (.string, true, "a string."),
        (.string, ["x"], "a string."),
        (.nonEmptyString, "", "a non-empty string."), (.nonEmptyString, "   ", "a non-empty string."),
        (.nonEmptyString, "\t\n", "a non-empty string."), (.nonEmptyString, 5, "a non-empty string."),
        (.number, "1", "a number."), (.number, nil, "a number."), (.number, [1], "a number."),
        // Deliberate difference from upstream: booleans are not numbers.
        (.number, true, "a number."), (.number, false, "a number."),
        // Numbers are not booleans (upstream tests bool ≠ 0/1).
        (.boolean, 0, "a boolean."), (.boolean, 1, "a boolean."), (.boolean, "true", "a boolean."),
        (.boolean, nil, "a boolean."),
        (.date, "not a date", "a valid ISO datetime string."), (.date, "", "a valid ISO datetime string."),
        (.date, 1_700_000_000, "a valid ISO datetime string."), (.date, "2024-13-01", "a valid ISO datetime string."),
        (.interfaceName, "", "a valid Linux interface name (alphanumeric, dots, dashes, underscores, max 15 chars)."),
        (.interfaceName, "abcdefghijklmnop", "a valid Linux interface name (alphanumeric, dots, dashes, underscores, max 15 chars)."),
        (.interfaceName, "eth 0", "a valid Linux interface name (alphanumeric, dots, dashes, underscores, max 15 chars)."),
        (.interfaceName, "eth0/1", "a valid Linux interface name (alphanumeric, dots, dashes, underscores, max 15 chars)."),
        (.interfaceName, "éth0", "a valid Linux interface name (alphanumeric, dots, dashes, underscores, max 15 chars)."),
        (.interfaceName, 3, "a valid Linux interface name (alphanumeric, dots, dashes, underscores, max 15 chars)."),
        (.list(.string), "a", "a list."), (.list(.string), ["a": 1], "a list."), (.list(.string), nil, "a list."),
        (.object(["a": .string]), [1], "an object."), (.object(["a": .string]), "x", "an object."),
        (.optional(.number), "x", "a number."), (.optional(.boolean), 1, "a boolean."),
        (.optional(.interfaceName), "way-too-long-interface", "a valid Linux interface name (alphanumeric, dots, dashes, underscores, max 15 chars)."),
    ]

    @Test(arguments: rejectCases)
    func rejects(type: FieldType, value: JSONValue, expectation: String) {
        let violation = check(type, value)
        #expect(violation == ContractViolation(code: .invalidType, field: "v", message: typePrefix + expectation))
    }

    @Test func codesAreStableStrings() {
        #expect(ContractViolation.Code.missingField.rawValue == "missing_field")
        #expect(ContractViolation.Code.invalidType.rawValue == "invalid_type")
        #expect(ContractViolation.Code.validationError.rawValue == "validation_error")
        #expect(ContractError.Code.invalidContract.rawValue == "invalid_contract")
        #expect(ContractError.Code.invalidJSON.rawValue == "invalid_json")
    }

    @Test func isOptional() {
        #expect(FieldType.optional(.any).isOptional)
        #expect(!FieldType.any.isOptional)
        #expect(!FieldType.list(.optional(.string)).isOptional)
    }
}
