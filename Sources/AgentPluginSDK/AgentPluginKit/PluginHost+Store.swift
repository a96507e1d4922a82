import CAgentABI
import AgentJSON

/// The plugin's durable key-value store (namespaced to the plugin by the host).
///
/// Each mutation is durable when it returns and survives `kill -9`. Calls block for at most one
/// disk sync; do not call them in tight loops on a latency-critical path.
extension PluginHost {
    /// The value under `key`, or nil when absent.
    public func storeGet(_ key: String) throws(PluginError) -> JSONValue? {
        var out = agent_owned_none()
        let status = Bytes.withBorrowed(key) { k in api.pointee.store_get(ctx, k, &out) }
        if status == ABI.notFound { return nil }
        guard status == ABI.ok else { throw storeError(status, "get '\(key)'", out) }
        let bytes = Bytes.take(out)
        do { return try JSONParser.parse(bytes) } catch {
            throw PluginError(status: Int32(AGENT_E_IO), code: "store_corrupt", message: "stored value of '\(key)' is not JSON")
        }
    }

    /// Inserts or replaces `key`.
    public func storePut(_ key: String, _ value: JSONValue) throws(PluginError) {
        let status = Bytes.withBorrowed(key) { k in
            Bytes.withBorrowed(JSONWriter.bytes(value)) { v in api.pointee.store_put(ctx, k, v) }
        }
        guard status == ABI.ok else { throw storeError(status, "put '\(key)'", agent_owned_none()) }
    }

    /// Removes `key` (no error when absent).
    public func storeDelete(_ key: String) throws(PluginError) {
        let status = Bytes.withBorrowed(key) { k in api.pointee.store_delete(ctx, k) }
        guard status == ABI.ok else { throw storeError(status, "delete '\(key)'", agent_owned_none()) }
    }

    /// Keys starting with `prefix`, sorted.
    public func storeKeys(prefix: String = "") throws(PluginError) -> [String] {
        var out = agent_owned_none()
        let status = Bytes.withBorrowed(prefix) { p in api.pointee.store_list(ctx, p, &out) }
        guard status == ABI.ok else { throw storeError(status, "list '\(prefix)'", out) }
        let bytes = Bytes.take(out)
        // A listing that does not parse is a failed read, never "no keys" (a caller would act on it).
        guard let list = (try? JSONParser.parse(bytes))?.arrayValue else {  // handled: thrown just below
            throw PluginError(status: Int32(AGENT_E_IO), code: "store_corrupt", message: "the store's key list for '\(prefix)' is not a JSON array")
        }
        return list.compactMap(\.stringValue)
    }

    /// One mutation of an atomic batch.
    public enum StoreMutation: Sendable {
        case put(String, JSONValue)
        case delete(String)
        /// A precondition: the batch applies only if the key holds this value now
        /// (`Optional.none` = absent; JSON null is a stored value); otherwise it fails with status
        /// `AGENT_E_BUSY`, code `conflict`.
        case expect(String, JSONValue?)
    }

    /// Applies all mutations atomically (all or nothing).
    public func storeApply(_ mutations: [StoreMutation]) throws(PluginError) {
        let ops: [JSONValue] = mutations.map {
            switch $0 {
            case .put(let k, let v): return ["op": "put", "key": .string(k), "value": v]
            case .delete(let k): return ["op": "delete", "key": .string(k)]
            case .expect(let k, .some(let v)): return ["op": "expect", "key": .string(k), "value": v]
            case .expect(let k, .none): return ["op": "expect", "key": .string(k)]
            }
        }
        let status = Bytes.withBorrowed(JSONWriter.bytes(.array(ops))) { o in api.pointee.store_apply(ctx, o) }
        if status == Int32(AGENT_E_BUSY) {
            throw PluginError(status: status, code: "conflict", message: "an expected key changed since it was read; read it again and retry")
        }
        guard status == ABI.ok else { throw storeError(status, "apply", agent_owned_none()) }
    }

    /// Read-modify-write of one key without losing a concurrent update: reads the value (nil
    /// when absent), computes the new one with `transform`, and writes it only if the key still
    /// holds what was read; on a conflict it reads again, up to `attempts` times.
    /// - Returns: the value written.
    /// - Throws: ``PluginError`` from the store, code `conflict` when every attempt lost the
    ///   race, or what `transform` throws.
    @discardableResult
    public func storeUpdate(
        _ key: String, attempts: Int = 8, _ transform: (JSONValue?) throws(PluginError) -> JSONValue
    ) throws(PluginError) -> JSONValue {
        var lastConflict: PluginError? = nil
        for _ in 0..<max(1, attempts) {
            let old = try storeGet(key)
            let new = try transform(old)
            do throws(PluginError) {
                try storeApply([.expect(key, old), .put(key, new)])
                return new
            } catch where error.code == "conflict" {
                lastConflict = error
            }
        }
        throw lastConflict ?? PluginError(status: Int32(AGENT_E_BUSY), code: "conflict", message: "'\(key)' kept changing")
    }

    private func storeError(_ status: Int32, _ what: String, _ body: agent_owned_bytes) -> PluginError {
        let bytes = Bytes.take(body)
        if !bytes.isEmpty { return PluginError.decode(status: status, body: bytes) }
        return PluginError(status: status, code: "store_failed", message: "store \(what) failed with status \(status)")
    }
}
