import AgentContracts
import AgentJSON
import Testing

/// Building contracts: order, duplicate names, merging, equality.
@Suite struct ContractTests {
    @Test func literalKeepsDeclarationOrder() {
        let contract: Contract = ["z": .string, "a": .number, "m": .any]
        #expect(contract.names == ["z", "a", "m"])
        #expect(contract.fields.map(\.type) == [.string, .number, .any])
    }

    @Test func repeatedNameReplacesInPlace() {
        let contract = Contract([("a", .string), ("b", .number), ("a", .boolean)])
        #expect(contract.names == ["a", "b"])
        #expect(contract["a"] == .boolean)
    }

    @Test func mergingReplacesInPlaceAndAppends() {
        let base: Contract = ["a": .string, "b": .optional(.number)]
        let merged = base.merging(["b": .number, "c": .date])
        #expect(merged.names == ["a", "b", "c"])
        #expect(merged["b"] == .number)
        #expect(merged["c"] == .date)
        #expect(base["c"] == nil)
    }

    @Test func subscriptSetAndRemove() {
        var contract: Contract = ["a": .string]
        contract["b"] = .any
        contract["a"] = nil
        #expect(contract.names == ["b"])
        #expect(Contract() == Contract([]))
    }

    @Test func equalityIsOrderSensitive() {
        let ab: Contract = ["a": .string, "b": .number]
        let ba: Contract = ["b": .number, "a": .string]
        #expect(ab != ba)
        #expect(ab == Contract([("a", .string), ("b", .number)]))
        #expect(ab != ["a": .string, "b": .boolean])
        #expect(FieldType.object(ab) != .object(ba))
    }

    @Test func emptyContractAcceptsAnyObject() {
        #expect(Contract().validate(object(["x": 1])) == nil)
    }
}
