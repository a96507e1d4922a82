// vplc-bench: vPLC figures on a real container engine (scripts/bench-vplc brings the lab up).
//
//   vplc-bench --config SITE.json --lab-env LAB/lab.env [--engine docker|podman] [--cli PATH] [--runs N] [--status-calls M] [--fleet K]
//   vplc-bench --mode network --config SITE.json --lab-env LAB/lab.env [--runs N] [--renumbers R]
//   vplc-bench --mode announce --label on|off --config SITE.json --lab-env LAB/lab.env [--runs N] [--renumbers R]
//
// The agent runs in this process (daemon mode, so the vPLC plugin's supervision and usage
// sampler run as in production); commands go through `agent.dispatcher`, completions are the
// `operation_update` events the plugin emits. The engine CLI's baseline (docker, or podman
// --remote with --engine podman) runs in the same process run, interleaved with the agent's
// runs, on the same engine, network and image.
import AgentCore
import AgentJSON
import Foundation
import Logging

let args = BenchArgs.parse()
let env = LabEnv(path: args.labEnv)
// VPLC_BENCH_LOG=1 shows the agent's log on stderr (to see where time goes); off while measuring.
let logger = Logger(label: "vplc-bench") { label in
    if ProcessInfo.processInfo.environment["VPLC_BENCH_LOG"] == "1" {
        var h = StreamLogHandler.standardError(label: label)
        h.logLevel = .debug
        return h
    }
    return SwiftLogNoOpLogHandler()
}
let agent: Agent
do { agent = try Agent(configPath: args.config, logger: logger, mode: .daemon) } catch {
    fatalError("cannot build the agent: \(error)")
}
let ops = OperationWaiter()
agent.services.events.observe { topic, payload in
    guard topic == "operation_update", let id = payload["operation_id"]?.stringValue else { return }
    ops.finished(id, payload)
}
let bench = Bench(agent: agent, env: env, ops: ops, args: args)
switch args.mode {
case "network": await NetworkBench(bench: bench).run()
case "announce": await AnnounceBench(bench: bench).run()
default: await bench.run()
}
await agent.shutdown()
