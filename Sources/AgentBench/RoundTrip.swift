import AgentCore
import AgentJSON

/// One measured loop.
struct RoundTripResult {
    let label: String
    let summary: Summary  // microseconds
    let errors: Int
    let sampleResponse: String
}

/// Sends `payload` to `topic` through the full dispatcher path (JSON parse → contract → C ABI →
/// handler → response envelope), strictly one after the other, timing each call.
///
/// A nonisolated async function: the loop runs on the global concurrent executor, so no call
/// pays a main-actor hop that the daemon would not pay.
func measureDispatch(
    _ dispatcher: Dispatcher, label: String, topic: String, payload: [UInt8], warmup: Int, iterations: Int
) async -> RoundTripResult {
    var last = JSONObject()
    for _ in 0..<warmup { last = await dispatcher.dispatch(topic: topic, payload: payload) }
    if warmup > 0, last["status"]?.stringValue == "error" {
        die("\(topic) answered an error during warm-up: \(JSONWriter.string(.object(last)))")
    }
    var samples = [Double](repeating: 0, count: iterations)
    var errors = 0
    let start = monotonicNanoseconds()
    for i in 0..<iterations {
        let t0 = monotonicNanoseconds()
        last = await dispatcher.dispatch(topic: topic, payload: payload)
        let t1 = monotonicNanoseconds()
        samples[i] = Double(t1 &- t0) / 1000
        if last["status"]?.stringValue == "error" { errors += 1 }
    }
    let total = Double(monotonicNanoseconds() &- start) / 1000
    return RoundTripResult(
        label: label, summary: Summary(samples, total: total), errors: errors,
        sampleResponse: JSONWriter.string(.object(last)))
}

/// Baseline: an in-process `await` of a trivial async closure that parses nothing, with the
/// same timing code around it — the floor of "one async call + two clock reads".
func measureBaseline(payload: [UInt8], warmup: Int, iterations: Int) async -> RoundTripResult {
    let f = opaque { (bytes: [UInt8]) async -> Int in bytes.count }
    var sink = 0
    for _ in 0..<warmup { sink &+= await f(payload) }
    var samples = [Double](repeating: 0, count: iterations)
    let start = monotonicNanoseconds()
    for i in 0..<iterations {
        let t0 = monotonicNanoseconds()
        sink &+= await f(payload)
        let t1 = monotonicNanoseconds()
        samples[i] = Double(t1 &- t0) / 1000
    }
    let total = Double(monotonicNanoseconds() &- start) / 1000
    blackHole(sink)
    return RoundTripResult(
        label: "baseline: `await f(bytes)` trivial async closure", summary: Summary(samples, total: total), errors: 0,
        sampleResponse: "")
}

/// Component: AgentJSON parse of the request + write of an equivalent object (public API of
/// AgentJSON; the dispatcher parses the request, re-serialises it for the C ABI, and parses the
/// handler's answer).
func measureJSON(payload: [UInt8], warmup: Int, iterations: Int) async -> RoundTripResult {
    var sink = 0
    func once() {
        // harmless: bench tooling; the payload is the bench's own JSON
        if let v = try? JSONParser.parse(payload) { sink &+= JSONWriter.bytes(v).count }
    }
    for _ in 0..<warmup { once() }
    var samples = [Double](repeating: 0, count: iterations)
    let start = monotonicNanoseconds()
    for i in 0..<iterations {
        let t0 = monotonicNanoseconds()
        once()
        let t1 = monotonicNanoseconds()
        samples[i] = Double(t1 &- t0) / 1000
    }
    let total = Double(monotonicNanoseconds() &- start) / 1000
    blackHole(sink)
    return RoundTripResult(
        label: "component: AgentJSON parse + write of the request", summary: Summary(samples, total: total), errors: 0,
        sampleResponse: "")
}

@inline(never)
func opaque<T>(_ value: T) -> T { value }

@inline(never)
func blackHole(_ value: Int) {
    if value == Int.min { print("") }
}

/// Times `body` like the other loops (for the scheduling components below).
func measureLoop(label: String, warmup: Int, iterations: Int, _ body: () async -> Void) async -> RoundTripResult {
    for _ in 0..<warmup { await body() }
    var samples = [Double](repeating: 0, count: iterations)
    let start = monotonicNanoseconds()
    for i in 0..<iterations {
        let t0 = monotonicNanoseconds()
        await body()
        let t1 = monotonicNanoseconds()
        samples[i] = Double(t1 &- t0) / 1000
    }
    let total = Double(monotonicNanoseconds() &- start) / 1000
    return RoundTripResult(label: label, summary: Summary(samples, total: total), errors: 0, sampleResponse: "")
}

/// Component: the scheduling the ABI path implies — the plugin starts its handler in a new
/// `Task`, and its completion resumes the dispatcher's continuation (a second job).
func measureTaskHop(warmup: Int, iterations: Int) async -> RoundTripResult {
    await measureLoop(
        label: "component: `Task {}` + continuation resume (no ABI)", warmup: warmup, iterations: iterations
    ) {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in Task { c.resume() } }
    }
}

/// Component: what the example_sleep handler itself awaits.
func measureSleepZero(warmup: Int, iterations: Int) async -> RoundTripResult {
    await measureLoop(label: "component: `Task.sleep(for: .milliseconds(0))`", warmup: warmup, iterations: iterations) {
        // harmless: bench tooling; the sleep itself is what is measured
        try? await Task.sleep(for: .milliseconds(0))
    }
}
