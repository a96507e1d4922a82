import AgentCore
import AgentJSON

/// Renders the plugin inventory for people (table) and machines (JSON).
enum PluginTable {
    static func render(_ records: [PluginRecord]) -> String {
        let header = ["ID", "VERSION", "ABI", "SHA256", "STATE", "REGISTERED"]
        let rows = records.map { r in
            [r.id, r.version ?? "-", r.abi ?? "-", r.sha256.map { String($0.prefix(12)) } ?? "-", r.state.description,
             r.registrations.isEmpty ? "-" : r.registrations.joined(separator: ",")]
        }
        let widths = header.indices.map { i in ([header] + rows).map { $0[i].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

extension PluginRecord {
    /// The record as JSON (`plugins list --json`, heartbeat).
    var json: JSONValue {
        var o = JSONObject()
        o["id"] = .string(id)
        o["path"] = .string(path)
        o["version"] = version.map { .string($0) } ?? .null
        o["abi"] = abi.map { .string($0) } ?? .null
        o["sha256"] = sha256.map { .string($0) } ?? .null
        switch state {
        case .loaded: o["state"] = "loaded"
        case .refused(let r):
            o["state"] = "refused"
            o["reason"] = .string(r.code.rawValue)
            o["message"] = .string(r.message)
        case .failed(let r):
            o["state"] = "failed"
            o["reason"] = .string(r.code.rawValue)
            o["message"] = .string(r.message)
        }
        o["registrations"] = .array(registrations.map { .string($0) })
        o["load_us"] = loadMicroseconds.map { .number(Double($0)) } ?? .null
        return .object(o)
    }
}
