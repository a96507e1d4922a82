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
    /// that has a fix.
    public var text: String {
        let width = CheckItem.allCases.map(\.rawValue.count).max() ?? 0
        var lines: [String] = []
        for r in results {
            let status = pad(r.status.rawValue, 4)
            let item = pad(r.item.rawValue, width)
            lines.append("\(status)  \(item)  \(r.detail)")
            if let fix = r.fix, !fix.isEmpty { lines.append("   fix: \(fix)") }
        }
        return lines.joined(separator: "\n")
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
