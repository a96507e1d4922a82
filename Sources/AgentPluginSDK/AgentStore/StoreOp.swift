import AgentJSON

/// One operation of a batch given to ``DurableStore/apply(_:_:)``.
public enum StoreOp: Sendable, Equatable {
    /// Store `value` under `key`.
    case put(key: String, value: JSONValue)
    /// Remove `key` (absent is fine).
    case delete(key: String)
    /// A precondition: the batch applies only if `key` holds `value` right now (`.none` = absent;
    /// JSON null is a stored value);
    /// otherwise nothing changes and the batch fails with ``StoreError/Code/conflict``. With a
    /// put of the same key this is a compare-and-swap: two writers never lose an update.
    case expect(key: String, value: JSONValue?)

    /// Parses the C-ABI batch form: a JSON array of `{"op":"put","key":K,"value":V}`,
    /// `{"op":"delete","key":K}`, `{"op":"expect","key":K,"value":V}` (the key holds V) and
    /// `{"op":"expect","key":K}` (the key is absent) objects. Pure; thread-safe. Keys and values are checked later,
    /// by `apply`; this only checks the shape.
    /// - Throws: ``StoreError/Code/invalidBatch`` naming the first malformed operation.
    public static func parse(_ json: JSONValue) throws(StoreError) -> [StoreOp] {
        guard let items = json.arrayValue else {
            throw batchError("the batch is a \(json.kindName), expected an array of operations")
        }
        var ops: [StoreOp] = []
        ops.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            ops.append(try parseOne(item, index: index))
        }
        return ops
    }

    private static func parseOne(_ item: JSONValue, index: Int) throws(StoreError) -> StoreOp {
        let shape =
            "write {\"op\":\"put\",\"key\":K,\"value\":V}, {\"op\":\"delete\",\"key\":K} or {\"op\":\"expect\",\"key\":K,\"value\":V}"
        guard let obj = item.objectValue else {
            throw batchError("operation \(index) is a \(item.kindName), not an object; \(shape)")
        }
        guard let key = obj["key"]?.stringValue else {
            throw batchError("operation \(index) has no string \"key\"; \(shape)")
        }
        switch obj["op"]?.stringValue {
        case "put":
            guard let value = obj["value"], obj.count == 3 else {
                throw batchError("put operation \(index) needs exactly \"op\", \"key\" and \"value\"; \(shape)")
            }
            return .put(key: key, value: value)
        case "delete":
            guard obj.count == 2 else {
                throw batchError("delete operation \(index) takes only \"op\" and \"key\"; \(shape)")
            }
            return .delete(key: key)
        case "expect":
            if let value = obj["value"], obj.count == 3 { return .expect(key: key, value: value) }
            guard obj.count == 2 else {
                throw batchError("expect operation \(index) takes \"op\", \"key\" and, unless the key must be absent, \"value\"; \(shape)")
            }
            return .expect(key: key, value: Optional<JSONValue>.none)
        default:
            throw batchError("operation \(index) has no \"op\" of \"put\", \"delete\" or \"expect\"; \(shape)")
        }
    }

    private static func batchError(_ message: String) -> StoreError {
        StoreError(code: .invalidBatch, message: message)
    }
}
