import AgentJSON
import NetmonCore

/// `netmon_command`: one request line through the sidecar's ``CommandParser``.
///
/// Invariants: a rejection carries `invalid_json`, `invalid_command`, `unknown_command` or
/// `invalid_field`; `invalid_field` and `unknown_command` name a field; a rejection's reply
/// (what goes back on the socket) re-encodes; an accepted request names a known command.
enum NetmonCommandTarget {
    static let knownCodes: Set<String> = ["invalid_json", "invalid_command", "unknown_command", "invalid_field"]

    static let target = FuzzTarget(name: "netmon_command", summary: "netmon sidecar: CommandParser over one request line") {
        bytes throws(FuzzInvariantViolation) in
        let check = Check(target: "netmon_command")
        switch CommandParser.parse(bytes) {
        case .success(let request):
            try check.that(CommandParser.commandNames.contains(request.name), "accepted unknown command '\(request.name)'")
            return .accepted
        case .failure(let rejected):
            let code = rejected.error.code.rawValue
            if code == "invalid_field" || code == "unknown_command" {
                try check.that(!(rejected.error.field ?? "").isEmpty, "\(code) names no field: \(rejected.error)")
            }
            try JSONTarget.roundTrip(Reply.rejected(rejected), check)
            return try check.refused(code, known: knownCodes, rejected.error.description)
        }
    }
}
