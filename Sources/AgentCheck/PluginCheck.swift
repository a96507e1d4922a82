import AgentCore

/// Item 6: every configured plugin passes the loader's file rules, its sha256 pin and the ABI
/// handshake (``PluginInspector``: mapped into this process, never initialised). One result per
/// plugin; a denied plugin is reported ok (it is never loaded, as configured).
enum PluginCheck {
    static func run(config: SiteConfig) async -> [CheckResult] {
        guard !config.plugins.isEmpty else {
            return [.warn(.plugins, "plugins.load is empty: the agent would do nothing", fix: "pin the plugins with `orchestrator-agent plugins pin FILE` and list them in plugins.load")]
        }
        var results: [CheckResult] = []
        for entry in config.plugins {
            if config.deny.contains(entry.id) {
                results.append(.ok(.plugins, "\(entry.id): denied by plugins.deny, not loaded (as configured)"))
                continue
            }
            let record = await Blocking.run {
                PluginInspector.inspect(path: entry.path, expectedSHA256: entry.sha256, expectedID: entry.id)
            }
            switch record.state {
            case .loaded:
                let version = record.version.map { " \($0)" } ?? ""
                let abi = record.abi.map { ", ABI \($0)" } ?? ""
                results.append(.ok(.plugins, "\(entry.id)\(version): \(entry.path) matches its pin\(abi)"))
            case .refused(let why), .failed(let why):
                results.append(
                    .fail(.plugins, "\(entry.id) would be refused (\(why.code)): \(why.message)", fix: fix(why, entry)))
            }
        }
        return results
    }

    private static func fix(_ why: PluginRefusal, _ entry: SiteConfig.PluginEntry) -> String {
        switch why.code {
        case .hashMismatch:
            "\(entry.path) is not the file that was pinned: reinstall the released plugin, or — if this file is the one you "
                + "trust — pin it again (`orchestrator-agent plugins pin \(entry.path)`) and update plugins.load"
        case .unreadable, .pathNotAbsolute:
            "install the plugin at \(entry.path) (an absolute path, readable by the agent), or correct the path in plugins.load"
        case .symlink: "point plugins.load at the real file, not a symbolic link"
        case .badOwner: "chown root \(entry.path) and every folder above it"
        case .insecurePermissions: "chmod go-w \(entry.path) and every folder above it"
        case .idMismatch: "the file is another plugin: correct the id or the path in plugins.load"
        case .toolchainMismatch: "rebuild the plugin with the agent's Swift toolchain (or install the plugin released with this agent)"
        case .abiMajor, .abiMinorNewer: "install a plugin built for this agent's ABI (or upgrade the agent)"
        default: "reinstall the plugin released with this agent; `orchestrator-agent plugins verify --config … \(entry.path)` shows the same reason"
        }
    }
}
