import AgentJSON
import Foundation

/// Plugin load times measured in fresh processes.
///
/// Plugins are never unloaded and glibc recognises a loaded object by name and by inode, so a
/// second `Agent` in the same process does not really load anything again. Each run therefore
/// spawns `orchestrator-agent plugins list --json --config FILE` — a fresh process that loads
/// every plugin exactly as the daemon does — and reads the loader's own `load_us` per plugin
/// (checks + SHA-256 + dlopen + handshake + init + register). The whole process's wall time is
/// kept too, for context (exec + Swift runtime start-up + store open + load + print).
struct LoadResult {
    /// plugin id → load time samples in milliseconds, in config order.
    var perPlugin: [(id: String, samples: [Double])] = []
    var processWallMilliseconds: [Double] = []
}

func measureLoads(agentBin: String, config: String, runs: Int, scratchDir: String) -> LoadResult {
    var result = LoadResult()
    for run in 0..<runs {
        let t0 = monotonicNanoseconds()
        let out = AgentBench.run(agentBin, ["plugins", "list", "--json", "--config", config], scratchDir: scratchDir)
        let t1 = monotonicNanoseconds()
        guard out.status == 0 else {
            die("`\(agentBin) plugins list --json --config \(config)` exited \(out.status):\n\(out.stderr)")
        }
        let parsed: JSONValue
        do { parsed = try JSONParser.parse(Array(out.stdout)) } catch {
            die("`plugins list --json` printed something that is not JSON: \(error)")
        }
        guard let records = parsed.arrayValue else { die("`plugins list --json` did not print a JSON array") }
        for (i, record) in records.enumerated() {
            guard let obj = record.objectValue, let id = obj["id"]?.stringValue else { continue }
            guard obj["state"]?.stringValue == "loaded", let us = obj["load_us"]?.numberValue else {
                die("plugin '\(id)' did not load: \(JSONWriter.string(record))")
            }
            if run == 0 {
                result.perPlugin.append((id, []))
            } else if i >= result.perPlugin.count || result.perPlugin[i].id != id {
                die("plugin order changed between runs")
            }
            result.perPlugin[i].samples.append(us / 1000)
        }
        result.processWallMilliseconds.append(Double(t1 - t0) / 1_000_000)
    }
    return result
}
