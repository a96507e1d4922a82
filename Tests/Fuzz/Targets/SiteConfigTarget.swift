import AgentCore
import AgentJSON

/// `site_config`: a site config file through ``SiteConfig/parse(_:baseDirectory:)`` (what
/// `SiteConfig.load` does after reading the file).
///
/// Invariants: a refusal is `config_invalid` naming the offending field (or the parser's
/// codes when the file is not JSON); an accepted config has timeouts within 1…86 400 000 ms,
/// plugin ids that are unique and non-empty, absolute plugin paths and lower-case 64-hex pins;
/// the accepted document re-encodes and parses to the same config.
enum SiteConfigTarget {
    static let target = FuzzTarget(name: "site_config", summary: "AgentCore: SiteConfig.parse over one config file") {
        bytes throws(FuzzInvariantViolation) in
        let check = Check(target: "site_config")
        let value: JSONValue
        do throws(JSONError) { value = try JSONParser.parse(bytes) } catch { return .refused(code: "json_" + error.code.rawValue) }
        let config: SiteConfig
        do throws(AgentCoreError) { config = try SiteConfig.parse(value, baseDirectory: "/etc/orchestrator-agent") } catch {
            try check.that(error.field != nil || value.objectValue == nil, "refusal names no field: \(error)")
            return try check.refused(error.code.rawValue, known: ["config_invalid"], error.description)
        }
        let range = 1...86_400_000
        try check.that(range.contains(config.requestTimeoutMilliseconds), "request timeout out of range")
        for (name, t) in config.topics {
            try check.that(t.timeoutMilliseconds.map(range.contains) ?? true, "topics.\(name) timeout out of range")
        }
        try check.that(Set(config.plugins.map(\.id)).count == config.plugins.count, "duplicate plugin ids accepted")
        for p in config.plugins {
            try check.that(!p.id.isEmpty && p.path.hasPrefix("/"), "plugin '\(p.id)' has an empty id or a relative path")
            let hex = Set("0123456789abcdef".utf8)
            try check.that(p.sha256.utf8.count == 64 && p.sha256.utf8.allSatisfy(hex.contains), "plugin '\(p.id)' pin is not 64 hex")
        }
        let again: SiteConfig
        do {
            again = try SiteConfig.parse(try JSONParser.parse(JSONWriter.bytes(value)), baseDirectory: "/etc/orchestrator-agent")
        } catch { throw FuzzInvariantViolation("site_config", "re-encoded config refused: \(error)") }
        try check.that(again == config, "config changed through a re-encoding")
        return .accepted
    }
}
