import AgentJSON

/// Everything `check` found, in item order, with the two renderings the CLI prints.
public struct CheckReport: Sendable {
    /// The findings, in ``CheckItem`` order.
    public let results: [CheckResult]

    /// A report of `results`.
    public init(_ results: [CheckResult]) { self.results = results }

    /// True when any result is `fail` (the CLI then exits 1; warnings alone exit 0).
    public var hasFailures: Bool { results.contains { $0.status == .fail } }

    /// The worst status of `item`, or nil when it yielded nothing.
    public func status(of item: CheckItem) -> CheckStatus? {
        results.filter { $0.item == item }.map(\.status).max()
    }

    /// One line per result, `status  item  detail`, and a `   fix: …` line under each result
    /// that has a fix. Skips that follow each other for the same reason (everything after an
    /// unusable config) are one line naming the items: `skip  certificates…daemon  <reason>
    /// (certificates, cloud, …)`, so one cause reads as one line, not eight. The JSON rendering
    /// keeps one entry per item.
    public var text: String {
        let width = CheckItem.allCases.map(\.rawValue.count).max() ?? 0
        var lines: [String] = []
        for run in Self.collapsedSkips(results) {
            let r = run[0]
            let status = pad(r.status.rawValue, 4)
            if run.count == 1 {
                lines.append("\(status)  \(pad(r.item.rawValue, width))  \(r.detail)")
            } else {
                let names = run.map(\.item.rawValue)
                let span = pad("\(names[0])…\(names[names.count - 1])", width)
                lines.append("\(status)  \(span)  \(r.detail) (\(names.joined(separator: ", ")))")
            }
            if let fix = r.fix, !fix.isEmpty { lines.append("   fix: \(fix)") }
        }
        return lines.joined(separator: "\n")
    }

    /// `results` in runs: consecutive skips with the same detail and fix share a run; every
    /// other result is a run of its own.
    static func collapsedSkips(_ results: [CheckResult]) -> [[CheckResult]] {
        var runs: [[CheckResult]] = []
        for r in results {
            if r.status == .skip, let last = runs.last?.last, last.status == .skip, last.detail == r.detail, last.fix == r.fix {
                runs[runs.count - 1].append(r)
            } else {
                runs.append([r])
            }
        }
        return runs
    }

    private func pad(_ s: String, _ width: Int) -> String { s + String(repeating: " ", count: max(0, width - s.count)) }

    /// `[{"item", "status", "detail", "fix"}]` (`fix` null for ok results).
    public var json: JSONValue {
        .array(
            results.map { r in
                [
                    "item": .string(r.item.rawValue), "status": .string(r.status.rawValue),
                    "detail": .string(r.detail), "fix": r.fix.map { .string($0) } ?? .null,
                ]
            })
    }
}
