import AgentContracts
import AgentJSON

/// Validates `value` (which must be an object literal) against a one-field contract `{"v": type}`.
func check(_ type: FieldType, _ value: JSONValue) -> ContractViolation? {
    Contract([("v", type)]).validate(json: .object(JSONObject([("v", value)])))
}

/// The object in an object literal (a test helper; a non-object yields an empty object).
func object(_ value: JSONValue) -> JSONObject {
    value.objectValue ?? JSONObject()
}

let typePrefix = "Invalid field type: Value must be "
