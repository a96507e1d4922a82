/// The aggregate CPU counters of the `cpu ` line of /proc/stat, in clock ticks (USER_HZ) since boot.
///
/// Fields missing on old kernels are 0.
public struct CPUTimes: Sendable, Equatable {
    /// Time in user mode (includes `guest`).
    public var user: UInt64
    /// Time in user mode with low priority (includes `guestNice`).
    public var nice: UInt64
    /// Time in kernel mode.
    public var system: UInt64
    /// Idle time.
    public var idle: UInt64
    /// Time waiting for I/O (counted as idle, like psutil).
    public var iowait: UInt64
    /// Time servicing hard interrupts.
    public var irq: UInt64
    /// Time servicing soft interrupts.
    public var softirq: UInt64
    /// Time stolen by the hypervisor.
    public var steal: UInt64
    /// Time running a guest (already included in `user`).
    public var guest: UInt64
    /// Time running a niced guest (already included in `nice`).
    public var guestNice: UInt64

    /// All counters zero: "the moment of boot", used as the baseline for a first sample.
    public static let zero = CPUTimes(
        user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0, guest: 0, guestNice: 0)

    /// Memberwise initialiser (clock ticks).
    public init(
        user: UInt64, nice: UInt64, system: UInt64, idle: UInt64, iowait: UInt64,
        irq: UInt64, softirq: UInt64, steal: UInt64, guest: UInt64, guestNice: UInt64
    ) {
        self.user = user
        self.nice = nice
        self.system = system
        self.idle = idle
        self.iowait = iowait
        self.irq = irq
        self.softirq = softirq
        self.steal = steal
        self.guest = guest
        self.guestNice = guestNice
    }

    /// Total ticks: the sum of all counters except `guest` and `guestNice` (which the kernel already
    /// counts inside `user`/`nice`), as psutil does. Saturating; never traps.
    public var total: UInt64 {
        [user, nice, system, idle, iowait, irq, softirq, steal].reduce(UInt64(0)) { sum, next in
            let (value, overflow) = sum.addingReportingOverflow(next)
            return overflow ? .max : value
        }
    }

    /// Busy ticks: `total − idle − iowait` (saturating at 0).
    public var busy: UInt64 {
        total.subtractingSaturating(idle).subtractingSaturating(iowait)
    }

    /// Busy share between two snapshots in percent, clamped to 0–100 and rounded to one decimal
    /// (Python `round(x, 1)`). Returns 0 when no time elapsed or the counters went backwards.
    public static func percent(from previous: CPUTimes, to current: CPUTimes) -> Double {
        let totalDelta = Double(current.total) - Double(previous.total)
        guard totalDelta > 0 else { return 0 }
        let busyDelta = Double(current.busy) - Double(previous.busy)
        let percent = min(100, max(0, busyDelta / totalDelta * 100))
        return UpstreamRounding.oneDecimal(percent)
    }
}

extension UInt64 {
    /// `self − other`, or 0 when that would underflow.
    fileprivate func subtractingSaturating(_ other: UInt64) -> UInt64 {
        self >= other ? self - other : 0
    }
}
