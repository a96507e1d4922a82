import AgentCheck
import AgentJSON
import ArgumentParser

/// `orchestrator-agent check --config FILE`: diagnoses the site like `iotedge check` — config,
/// certificates, cloud reachability with mTLS, Docker, netmon, plugin pins, the store and the
/// daemon's health — one line per finding with how to fix it. Exit 1 when anything failed.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Diagnose the site: config, certificates, cloud (mTLS), Docker, netmon, plugin pins, store, daemon.",
        discussion: "Prints `ok|warn|fail|skip  ITEM  DETAIL` lines, each warn/fail followed by `fix: …`. "
            + "Exits 1 when any item fails (warnings alone exit 0), 64 on a usage error. Changes nothing on the site.")

    @Option(name: .shortAndLong, help: "Site config file (JSON).")
    var config: String

    @Flag(help: "Print a JSON array of {item, status, detail, fix}.")
    var json = false

    @Option(help: "Seconds to wait for the cloud connection.")
    var cloudTimeout: Double = 10

    @Option(help: "Warn when the client certificate expires within this many days.")
    var warnDays: Int = 30

    @Option(help: "Verify the client certificate against this CA (PEM) instead of cloud.ca_bundle.")
    var clientCA: String?

    @Flag(help: "Show the cloud probe's log on stderr.")
    var verbose = false

    func validate() throws {
        guard cloudTimeout > 0, cloudTimeout <= 600 else { throw ValidationError("--cloud-timeout must be in (0, 600] seconds") }
        guard (0...3650).contains(warnDays) else { throw ValidationError("--warn-days must be in 0...3650") }
    }

    func run() async throws {
        let options = CheckOptions(
            configPath: absolutePath(config), cloudTimeout: cloudTimeout, warnDays: warnDays,
            clientCA: clientCA.map(absolutePath), verbose: verbose)
        let report = await Diagnosis.run(options)
        print(json ? JSONWriter.string(report.json) : report.text)
        if report.hasFailures { throw ExitCode(1) }
    }
}
