import Foundation

/// Command-line options of vplc-bench.
struct BenchArgs {
    var config = ""
    var labEnv = ""
    var runs = 10
    var statusCalls = 500
    var fleet = 20
    var docker = "/usr/local/bin/docker"
    /// The lab's engine: `docker` (baseline: the docker CLI at ``docker``) or `podman` (baseline:
    /// the podman CLI at ``docker`` in remote mode on the lab's socket).
    var engine = "docker"
    /// `vplc` (create/status/fleet figures), `network` (DHCP and renumbering) or `announce`.
    var mode = "vplc"
    var renumbers = 6
    var labScript = "scripts/lab/docker-lab"
    /// `--mode announce`: how the site config sets the announcements (`on` or `off`), for the report.
    var label = "on"

    static func parse() -> BenchArgs {
        var a = BenchArgs()
        var it = CommandLine.arguments.dropFirst().makeIterator()
        while let k = it.next() {
            guard let v = it.next() else { fail("\(k) needs a value") }
            switch k {
            case "--config": a.config = v
            case "--lab-env": a.labEnv = v
            case "--runs": a.runs = Int(v) ?? a.runs
            case "--status-calls": a.statusCalls = Int(v) ?? a.statusCalls
            case "--fleet": a.fleet = Int(v) ?? a.fleet
            case "--docker", "--cli": a.docker = v
            case "--engine": a.engine = v
            case "--mode": a.mode = v
            case "--renumbers": a.renumbers = Int(v) ?? a.renumbers
            case "--lab-script": a.labScript = v
            case "--label": a.label = v
            default: fail("unknown option \(k)")
            }
        }
        if a.engine != "docker" && a.engine != "podman" { fail("--engine is docker or podman") }
        if a.config.isEmpty || a.labEnv.isEmpty { fail("usage: vplc-bench --config FILE --lab-env FILE [--mode vplc|network|announce] [--engine docker|podman] [--cli PATH] [--label on|off] [--runs N] [--status-calls M] [--fleet K] [--renumbers R] [--lab-script PATH]") }
        return a
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("vplc-bench: \(message)\n".utf8))
    exit(2)
}

/// The Docker lab's `lab.env`.
struct LabEnv {
    let values: [String: String]

    init(path: String) {
        // handled: bench tooling; fails with the path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { fail("cannot read \(path)") }
        var v: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { v[parts[0]] = parts[1] }
        }
        values = v
    }

    subscript(_ key: String) -> String { values[key] ?? "" }

    /// `a.b.c.<host>` in the lab subnet.
    func address(_ host: Int) -> String {
        var o = self["LAN_GATEWAY"].split(separator: ".").map(String.init)
        o[o.count - 1] = String(host)
        return o.joined(separator: ".")
    }
}
