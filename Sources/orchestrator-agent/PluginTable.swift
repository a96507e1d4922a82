import AgentCore
import AgentJSON

/// Renders the plugin inventory for people (table) and machines (JSON).
///
/// The table keeps one short line per plugin (state as `refused: <code>`, the toolchain as its
/// Swift part); why a plugin was refused or failed follows below the table, wrapped, so a long
/// reason never stretches the table.
enum PluginTable {
    static let width = 100

    static func render(_ records: [PluginRecord]) -> String {
        let header = ["ID", "VERSION", "ABI", "TOOLCHAIN", "SHA256", "STATE", "REGISTERED"]
        let rows = records.map { r in
            [r.id, r.version ?? "-", r.abi ?? "-", shortToolchain(r.toolchain), r.sha256.map { String($0.prefix(12)) } ?? "-",
             shortState(r.state), r.registrations.isEmpty ? "-" : r.registrations.map(shortRegistration).joined(separator: ", ")]
        }
        let widths = header.indices.map { i in ([header] + rows).map { $0[i].count }.max() ?? 0 }
        // The last column wraps onto continuation lines that start where it starts.
        let lead = widths.dropLast().reduce(0) { $0 + $1 + 2 }
        var lines: [String] = []
        for row in [header] + rows {
            let fixed = row.dropLast().enumerated().map { i, cell in cell + String(repeating: " ", count: widths[i] - cell.count) }
                .joined(separator: "  ")
            let last = wrap(row[row.count - 1], width: max(20, width - lead), indent: "")
            lines.append(fixed + "  " + (last.first ?? ""))
            for more in last.dropFirst() { lines.append(String(repeating: " ", count: lead) + more) }
        }
        for r in records {
            switch r.state {
            case .loaded: continue
            case .refused(let why), .failed(let why):
                lines.append("")
                lines.append(contentsOf: wrap("\(r.id): \(why.message)", width: width, indent: "    "))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A topic handler by its topic name; other protocols by protocol and name.
    static func shortRegistration(_ registration: String) -> String {
        let prefix = "agent.topic_handler/"
        return registration.hasPrefix(prefix) ? String(registration.dropFirst(prefix.count)) : registration
    }

    /// `loaded`, `refused: <code>`, `failed: <code>`.
    static func shortState(_ state: PluginRecord.State) -> String {
        switch state {
        case .loaded: return "loaded"
        case .refused(let why): return "refused: \(why.code)"
        case .failed(let why): return "failed: \(why.code)"
        }
    }

    /// The Swift part of a toolchain string (`swift-60300/clang-…` → `swift-60300`), `none`, or `-`.
    static func shortToolchain(_ toolchain: String?) -> String {
        guard let toolchain, !toolchain.isEmpty else { return "-" }
        return String(toolchain.split(separator: "/").first ?? Substring(toolchain))
    }

    /// `text` in lines of at most `width` characters (words longer than that stand alone);
    /// lines after the first start with `indent`.
    static func wrap(_ text: String, width: Int, indent: String) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            let prefix = lines.isEmpty ? "" : indent
            if !line.isEmpty, prefix.count + line.count + 1 + word.count > width {
                lines.append(prefix + line)
                line = String(word)
            } else {
                line = line.isEmpty ? String(word) : line + " " + word
            }
        }
        if !line.isEmpty { lines.append((lines.isEmpty ? "" : indent) + line) }
        return lines
    }
}

extension PluginRecord {
    /// The record as JSON (`plugins list --json`).
    var json: JSONValue { .object(inventoryJSON) }
}
