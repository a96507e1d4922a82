import AgentContracts
import AgentJSON
import Testing

/// Validation semantics: presence, optionality, extra keys, nesting, paths, order, error shape.
@Suite struct ValidationTests {
    static let vnic: Contract = [
        "name": .string, "parent_interface": .string, "network_mode": .string,
        "ip": .optional(.string), "dns": .optional(.list(.string)),
    ]
    static let createRuntime = Contract.baseMessage.merging([
        "container_name": .nonEmptyString,
        "vnic_configs": .list(.object(vnic)),
        "serial_configs": .optional(.list(.object(["name": .string, "baud_rate": .optional(.number)]))),
        "dedicated_interface": .optional(.interfaceName),
    ])

    @Test func missingRequiredFieldHasUpstreamText() {
        let violation = Contract.baseDevice.validate(object(["correlation_id": 7]))
        #expect(violation == ContractViolation(
            code: .missingField, field: "device_id", message: "Missing required field: 'Missing key: device_id'"))
    }

    @Test func anyRequiresPresenceButAllowsNull() {
        let contract: Contract = ["payload": .any]
        #expect(contract.validate(object([:]))?.code == .missingField)
        #expect(contract.validate(object(["payload": nil])) == nil)
    }

    @Test func nullForRequiredFieldIsATypeError() {
        let violation = Contract.baseDevice.validate(object(["device_id": nil]))
        #expect(violation == ContractViolation(
            code: .invalidType, field: "device_id", message: "Invalid field type: Value must be a non-empty string."))
    }

    @Test(arguments: [JSONValue.object(JSONObject()), ["correlation_id": nil, "action": nil, "requested_at": nil]])
    func optionalAcceptsMissingOrNull(_ message: JSONValue) {
        #expect(Contract.baseMessage.validate(json: message) == nil)
    }

    @Test func baseContractsAreAllOptionalExceptDeviceID() {
        for (_, type) in Contract.baseMessage.fields { #expect(type.isOptional) }
        #expect(Contract.baseMessage.names == ["correlation_id", "action", "requested_at"])
        #expect(Contract.baseDevice.names == ["correlation_id", "action", "requested_at", "device_id"])
        #expect(Contract.baseDevice["device_id"] == .nonEmptyString)
        #expect(Contract.baseMessage["requested_at"] == .optional(.date))
    }

    @Test func baseMessageChecksPresentValues() {
        let bad = Contract.baseMessage.validate(object(["correlation_id": true]))
        #expect(bad == ContractViolation(code: .invalidType, field: "correlation_id", message: typePrefix + "a number."))
        let date = Contract.baseMessage.validate(object(["requested_at": "yesterday"]))
        #expect(date?.field == "requested_at")
        #expect(date?.message == typePrefix + "a valid ISO datetime string.")
        #expect(Contract.baseMessage.validate(object(["requested_at": "2024-05-01T10:00:00Z", "correlation_id": 3])) == nil)
    }

    @Test func extraKeysAreIgnored() {
        let message = object(["device_id": "abc", "unexpected": [1, 2], "another": nil])
        #expect(Contract.baseDevice.validate(message) == nil)
    }

    @Test func firstErrorInContractOrderWins() {
        let contract: Contract = ["b": .number, "a": .string, "c": .boolean]
        // The message's key order does not matter; the contract's does.
        let message = object(["c": 1, "a": 2, "b": "x"])
        #expect(contract.validate(message)?.field == "b")
        #expect(contract.validate(object(["b": 1, "c": 1]))?.field == "a")
        #expect(contract.validate(object(["b": 1, "c": 1]))?.code == .missingField)
        #expect(contract.validate(object(["b": 1, "a": "s", "c": 1]))?.field == "c")
    }

    @Test func validNestedMessagePasses() {
        let message: JSONValue = [
            "container_name": "plc-1",
            "vnic_configs": [
                ["name": "v0", "parent_interface": "eth0", "network_mode": "dhcp"],
                ["name": "v1", "parent_interface": "eth1", "network_mode": "static", "ip": "10.0.0.2/24",
                 "dns": ["1.1.1.1"], "extra": true],
            ],
            "serial_configs": nil,
        ]
        #expect(Self.createRuntime.validate(json: message) == nil)
        #expect(Self.createRuntime.validate(json: ["container_name": "x", "vnic_configs": []]) == nil)
    }

    static let nestedFailures: [(JSONValue, ContractViolation)] = [
        (["container_name": "x"],
         .missingField("vnic_configs", at: "vnic_configs")),
        (["container_name": "x", "vnic_configs": ["name": "v0"]],
         .invalidType("a list", at: "vnic_configs")),
        (["container_name": "x", "vnic_configs": ["v0"]],
         .invalidType("an object", at: "vnic_configs[0]")),
        (["container_name": "x", "vnic_configs": [
            ["name": "a", "parent_interface": "e", "network_mode": "dhcp"],
            ["name": "b", "parent_interface": "e", "network_mode": "dhcp"],
            ["name": "c", "parent_interface": "e"],
         ]],
         .missingField("network_mode", at: "vnic_configs[2].network_mode")),
        (["container_name": "x", "vnic_configs": [
            ["name": "a", "parent_interface": "e", "network_mode": "dhcp", "dns": ["8.8.8.8", 8]],
         ]],
         .invalidType("a string", at: "vnic_configs[0].dns[1]")),
        (["container_name": "x", "vnic_configs": [], "serial_configs": [["name": "s", "baud_rate": "9600"]]],
         .invalidType("a number", at: "serial_configs[0].baud_rate")),
        (["container_name": "x", "vnic_configs": [], "dedicated_interface": "enp3s0 "],
         .invalidType("a valid Linux interface name (alphanumeric, dots, dashes, underscores, max 15 chars)",
                      at: "dedicated_interface")),
    ]

    @Test(arguments: nestedFailures)
    func nestedFailureHasFullPath(message: JSONValue, expected: ContractViolation) {
        #expect(Self.createRuntime.validate(json: message) == expected)
    }

    @Test func nestedObjectPaths() {
        let contract: Contract = ["ip": .object(["config": .object(["gateway": .string, "mask": .number])])]
        #expect(contract.validate(object(["ip": ["config": ["gateway": 1]]])) ==
            ContractViolation(code: .invalidType, field: "ip.config.gateway", message: typePrefix + "a string."))
        #expect(contract.validate(object(["ip": ["config": ["gateway": "g"]]])) ==
            ContractViolation(code: .missingField, field: "ip.config.mask",
                              message: "Missing required field: 'Missing key: mask'"))
        #expect(contract.validate(object(["ip": ["config": 5]]))?.field == "ip.config")
        #expect(contract.validate(object(["ip": ["config": 5]]))?.message == typePrefix + "an object.")
        #expect(contract.validate(object(["ip": ["config": ["gateway": "g", "mask": 24]]])) == nil)
    }

    @Test func listOfListsPaths() {
        let contract: Contract = ["m": .list(.list(.boolean))]
        #expect(contract.validate(object(["m": [[true], [false, 0]]]))?.field == "m[1][1]")
        #expect(contract.validate(object(["m": [[true], "x"]]))?.field == "m[1]")
        #expect(contract.validate(object(["m": [[], [true, false]]])) == nil)
    }

    @Test func listOfOptionalItemsAcceptsNull() {
        #expect(check(.list(.optional(.number)), [1, nil, 2]) == nil)
        #expect(check(.list(.number), [1, nil, 2])?.field == "v[1]")
    }

    @Test func nonObjectMessageIsAValidationError() {
        let violation = Contract.baseMessage.validate(json: [1, 2])
        #expect(violation == ContractViolation(
            code: .validationError, field: "", message: "Validation error: message must be a JSON object, found array"))
    }

    @Test func missingKeyQuotingFollowsPython() {
        #expect(Contract([("it's", .string)]).validate(object([:]))?.message ==
            "Missing required field: \"Missing key: it's\"")
    }

    @Test func violationDescriptionNamesField() {
        let violation = ContractViolation.invalidType("a number", at: "x.y")
        #expect(violation.description == "invalid_type at x.y: Invalid field type: Value must be a number.")
    }
}
