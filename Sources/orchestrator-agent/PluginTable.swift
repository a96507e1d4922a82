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
    /// The record as JSON (`plugins list --json`).
    var json: JSONValue { .object(inventoryJSON) }
}
