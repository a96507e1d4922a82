/// The type a contract field must have.
///
/// Contract (the semantics ``Contract/validate(_:)`` applies; they follow the upstream agent, §4,
/// except that booleans and numbers are kept apart):
/// - ``string``: any JSON string, including `""`.
/// - ``nonEmptyString``: a string with at least one non-whitespace character (Unicode whitespace).
/// - ``number``: a JSON number. `true`/`false` are **not** numbers (upstream accepted them).
/// - ``boolean``: exactly `true` or `false`; `0`/`1` are not booleans.
/// - ``date``: a string accepted by ``ISODate/isValid(_:)`` (ISO-8601 date or date-time).
/// - ``interfaceName``: a Linux interface name: 1–15 bytes from `[A-Za-z0-9_.-]`.
/// - ``any``: every JSON value, `null` included; as a non-optional field the key must still be present.
/// - ``list(_:)``: a JSON array whose every item has the item type (which may be an object contract).
/// - ``object(_:)``: a JSON object that satisfies the nested contract (checked recursively).
/// - ``optional(_:)``: the key may be missing or `null`; any other value must have the inner type.
public indirect enum FieldType: Sendable, Equatable {
    case string
    case nonEmptyString
    case number
    case boolean
    case date
    case interfaceName
    case any
    case list(FieldType)
    case object(Contract)
    case optional(FieldType)

    /// True for ``optional(_:)``: the field may be absent or `null`.
    public var isOptional: Bool {
        if case .optional = self { return true }
        return false
    }
}
