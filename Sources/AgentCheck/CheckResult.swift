/// How one finding of `orchestrator-agent check` came out.
public enum CheckStatus: String, Sendable, Comparable {
    /// Fine as it is.
    case ok
    /// Works now, but needs attention (a certificate close to expiry, a loose file mode).
    case warn
    /// Broken: the agent cannot do its job until it is fixed. Makes `check` exit 1.
    case fail
    /// Not checked, because something it needs is missing (the reason is in the detail).
    case skip

    private var rank: Int {
        switch self {
        case .ok: 0
        case .skip: 1
        case .warn: 2
        case .fail: 3
        }
    }

    /// Orders by severity: ok < skip < warn < fail.
    public static func < (lhs: CheckStatus, rhs: CheckStatus) -> Bool { lhs.rank < rhs.rank }
}

/// The things `check` looks at, in the order it looks at them.
public enum CheckItem: String, Sendable, CaseIterable {
    case config, certificates, cloud, docker, netmon, plugins, store, daemon
}

/// One line of the diagnosis: an item, how it came out, what was seen, and (unless ok) what a
/// technician does about it. An item may yield several results (one per plugin, one per
/// certificate problem).
public struct CheckResult: Sendable, Equatable {
    /// What was looked at.
    public let item: CheckItem
    /// How it came out.
    public let status: CheckStatus
    /// What was seen, with the names (files, plugin ids, sockets) needed to act on it.
    public let detail: String
    /// How to fix it; nil for `ok`.
    public let fix: String?

    /// A finding; `fix` is for everything but `ok`.
    public init(_ item: CheckItem, _ status: CheckStatus, _ detail: String, fix: String? = nil) {
        self.item = item
        self.status = status
        self.detail = detail
        self.fix = fix
    }

    static func ok(_ item: CheckItem, _ detail: String) -> CheckResult { CheckResult(item, .ok, detail) }
    static func warn(_ item: CheckItem, _ detail: String, fix: String) -> CheckResult {
        CheckResult(item, .warn, detail, fix: fix)
    }
    static func fail(_ item: CheckItem, _ detail: String, fix: String) -> CheckResult {
        CheckResult(item, .fail, detail, fix: fix)
    }
    static func skip(_ item: CheckItem, _ detail: String, fix: String? = nil) -> CheckResult {
        CheckResult(item, .skip, detail, fix: fix)
    }
}
