import AgentContracts
import AgentJSON

/// `contract`: a command payload against the contract of a real topic (``DeclaredContracts``).
/// Input: `<topic>\n<JSON payload>`; an unknown topic line picks a contract by its bytes.
///
/// Invariants: accepted ⇒ the naive ``ContractOracle`` agrees every required field is present
/// with its declared type; refused ⇒ the code is `missing_field`, `invalid_type` or
/// `validation_error`, the `field` path leads through the contract to a value that is indeed
/// missing (`missing_field`) or of the wrong type (`invalid_type`), and the oracle agrees the
/// message does not conform. Each contract survives its own JSON form.
enum ContractTarget {
    static let knownCodes: Set<String> = ["missing_field", "invalid_type", "validation_error"]

    static let target = FuzzTarget(name: "contract", summary: "AgentContracts: validate payloads against real topic contracts") {
        bytes throws(FuzzInvariantViolation) in
        let check = Check(target: "contract")
        let newline = bytes.firstIndex(of: 0x0A) ?? bytes.count
        let topic = String(decoding: bytes[..<newline], as: UTF8.self)
        let all = DeclaredContracts.byTopic
        let pick = all.first { $0.topic == topic } ?? all[bytes[..<newline].reduce(0) { ($0 &+ Int($1)) } % all.count]
        let contract = pick.contract
        try check.that((try? Contract(json: contract.json)) == contract, "\(pick.topic): contract changed through its JSON form")

        let payload = newline < bytes.count ? bytes[(newline + 1)...] : []
        let value: JSONValue
        do throws(JSONError) { value = try JSONParser.parse(payload) } catch { return .refused(code: "json_" + error.code.rawValue) }
        guard let violation = contract.validate(json: value) else {
            try check.that(value.objectValue.map { ContractOracle.conforms($0, contract) } ?? false, "\(pick.topic): accepted a payload that lacks or mistypes a required field")
            return .accepted
        }
        let code = violation.code.rawValue
        let outcome = try check.refused(code, known: knownCodes, violation.description)
        guard let message = value.objectValue else {
            try check.that(code == "validation_error" && violation.field.isEmpty, "a non-object refused as \(violation)")
            return outcome
        }
        try check.that(!ContractOracle.conforms(message, contract), "\(pick.topic): refused a conforming payload: \(violation)")
        try check.that(!violation.field.isEmpty && code != "validation_error", "\(pick.topic): refusal names no field: \(violation)")
        guard let resolved = ContractOracle.resolve(violation.field, in: message, contract) else {
            throw FuzzInvariantViolation("contract", "\(pick.topic): field '\(violation.field)' is not a path of the contract")
        }
        let (found, type) = resolved
        if code == "missing_field" {
            try check.that(found == nil && !type.isOptional, "\(pick.topic): '\(violation.field)' reported missing but is present or optional")
        } else {
            try check.that(found != nil && !ContractOracle.conforms(found, type), "\(pick.topic): '\(violation.field)' reported mistyped but conforms")
        }
        return outcome
    }
}
