import AgentJSON

/// One entry of the durable operation journal (store key `op/<id>`), written before its first
/// step runs and after every step, so a restarted agent knows what was in flight and what it
/// had already made.
public struct OperationRecord: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case create, delete, start, stop, restart
        case selfDestruct = "self_destruct"
        /// Moving a vPLC's vNICs to the MACVLAN network of a parent's new subnet (netmon).
        case reattach
        /// Replacing the agent's own container with a newer image (`upgrade_orchestrator`).
        case upgrade
    }

    public enum State: String, Sendable {
        /// Accepted, waiting behind another operation on the same device.
        case queued
        case running
        case succeeded
        case failed
        /// Failed and everything it had made was removed again.
        case rolledBack = "rolled_back"

        public var isActive: Bool { self == .queued || self == .running }
    }

    public var id: String
    public var deviceID: String
    public var kind: Kind
    public var state: State
    public var step: String?
    public var correlationID: JSONValue
    /// Docker objects this operation made (for rollback): container id/name, network names.
    public var createdContainer: String?
    public var createdNetworks: [String]
    public var error: RuntimeError?
    public var startedAt: String
    public var updatedAt: String
    /// The create request (canonical spec), so recovery can finish or undo a create.
    public var request: JSONObject?

    public init(id: String, deviceID: String, kind: Kind, correlationID: JSONValue, now: String, request: JSONObject? = nil) {
        self.id = id
        self.deviceID = deviceID
        self.kind = kind
        state = .queued
        step = nil
        self.correlationID = correlationID
        createdContainer = nil
        createdNetworks = []
        error = nil
        startedAt = now
        updatedAt = now
        self.request = request
    }

    /// Whether the journal lists Docker objects this operation made. A `failed` create that
    /// lists some could not roll them back (a rollback that ran ends `rolled_back`, or clears
    /// the list: `markRolledBack`).
    public var madeSomething: Bool { createdContainer != nil || !createdNetworks.isEmpty }

    /// The upstream status word for an active operation (`creating`, `deleting`, …).
    public var activeStatus: String {
        switch kind {
        case .create: return "creating"
        case .delete: return "deleting"
        case .start: return "starting"
        case .stop: return "stopping"
        case .restart: return "restarting"
        case .selfDestruct: return "deleting"
        case .reattach: return "reattaching"
        case .upgrade: return "upgrading"
        }
    }

    public var json: JSONValue {
        var o: JSONObject = [
            "schema": 1, "id": .string(id), "device_id": .string(deviceID), "kind": .string(kind.rawValue),
            "state": .string(state.rawValue), "correlation_id": correlationID, "started_at": .string(startedAt),
            "updated_at": .string(updatedAt), "created_networks": .array(createdNetworks.map { .string($0) }),
        ]
        if let step { o["step"] = .string(step) }
        if let createdContainer { o["created_container"] = .string(createdContainer) }
        if let error {
            var e: JSONObject = ["code": .string(error.code), "message": .string(error.message)]
            if let f = error.field { e["field"] = .string(f) }
            o["error"] = .object(e)
        }
        if let request { o["request"] = .object(request) }
        return .object(o)
    }

    public init(json: JSONValue) throws(RuntimeError) {
        guard let o = json.objectValue, o["schema"]?.numberValue == 1, let id = o["id"]?.stringValue,
            let device = o["device_id"]?.stringValue, let kind = o["kind"]?.stringValue.flatMap(Kind.init(rawValue:)),
            let state = o["state"]?.stringValue.flatMap(State.init(rawValue:))
        else { throw RuntimeError("corrupt_record", "a journal entry has an unknown shape or schema") }
        self.id = id
        deviceID = device
        self.kind = kind
        self.state = state
        step = o["step"]?.stringValue
        correlationID = o["correlation_id"] ?? .null
        createdContainer = o["created_container"]?.stringValue
        createdNetworks = (o["created_networks"]?.arrayValue ?? []).compactMap(\.stringValue)
        if let e = o["error"]?.objectValue {
            error = RuntimeError(
                e["code"]?.stringValue ?? "unknown", e["message"]?.stringValue ?? "", field: e["field"]?.stringValue)
        }
        startedAt = o["started_at"]?.stringValue ?? ""
        updatedAt = o["updated_at"]?.stringValue ?? ""
        request = o["request"]?.objectValue
    }

    /// The `operation_update` event payload.
    public var updateEvent: JSONObject {
        var o: JSONObject = [
            "device_id": .string(deviceID), "operation_id": .string(id), "operation": .string(kind.rawValue),
            "status": .string(state.rawValue), "correlation_id": correlationID, "started_at": .string(startedAt),
            "updated_at": .string(updatedAt),
        ]
        if let step { o["step"] = .string(step) }
        if let error {
            o["error"] = .string(error.message)
            o["code"] = .string(error.code)
            if let f = error.field { o["field"] = .string(f) }
        }
        return o
    }
}
