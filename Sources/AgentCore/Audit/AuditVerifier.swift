/// Walks the audit trail (rotated files oldest first, then `audit.log`) and checks every line's
/// own hash, the chain (`prev` = the previous line's hash), the sequence (no gaps), and that the
/// last line is the recorded head.
public enum AuditVerifier {
    /// What a verification found.
    public struct Report: Sendable, Equatable {
        /// Lines checked.
        public var entries = 0
        /// First and last seq checked (0 when empty).
        public var firstSeq: UInt64 = 0
        public var lastSeq: UInt64 = 0
        /// The last line's hash (the genesis value when empty).
        public var head = AuditEntry.genesis
        /// True when the oldest line present is not seq 1 (older files were rotated away):
        /// the chain is verified from that line on.
        public var anchored = false
        /// The first failure, with its file and 1-based line number.
        public var failure: (file: String, line: Int, reason: AuditFailure)?

        public var ok: Bool { failure == nil }

        public static func == (a: Report, b: Report) -> Bool {
            a.entries == b.entries && a.firstSeq == b.firstSeq && a.lastSeq == b.lastSeq && a.head == b.head
                && a.anchored == b.anchored && a.failure?.file == b.failure?.file && a.failure?.line == b.failure?.line
                && a.failure?.reason == b.failure?.reason
        }
    }

    /// Verifies the trail in `directory` (see ``AuditLog``).
    public static func verify(directory: String) -> Report {
        var report = Report()
        var prev: String?
        var expectedSeq: UInt64?
        let files = AuditFiles.rotated(in: directory) + (fileSize(directory + "/audit.log") != nil ? ["audit.log"] : [])
        for file in files {
            guard let bytes = readBytes(directory + "/" + file) else { continue }
            var number = 0
            for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                number += 1
                if line.isEmpty { continue }
                let entry: AuditEntry
                switch AuditEntry.parse(line: line) {
                case .failure(let why):
                    report.failure = (file, number, why)
                    return report
                case .success(let e): entry = e
                }
                if let prev, entry.prev != prev {
                    report.failure = (file, number, .brokenChain(expectedPrev: prev))
                    return report
                }
                if let expectedSeq, entry.seq != expectedSeq {
                    report.failure = (file, number, .sequenceGap(expected: expectedSeq, found: entry.seq))
                    return report
                }
                if prev == nil {
                    report.firstSeq = entry.seq
                    report.anchored = entry.seq != 1 || entry.prev != AuditEntry.genesis
                }
                prev = entry.hash
                expectedSeq = entry.seq + 1
                report.entries += 1
                report.lastSeq = entry.seq
                report.head = entry.hash
            }
        }
        let log = AuditLog.headOnly(directory)
        if let head = log {
            if head.seq != report.lastSeq || head.hash != report.head {
                report.failure = (
                    "head", 1,
                    .headMismatch("head says seq \(head.seq), the log ends at seq \(report.lastSeq)")
                )
            }
        }
        return report
    }
}

extension AuditLog {
    /// The recorded head of the trail in `directory`, if any.
    static func headOnly(_ directory: String) -> Head? {
        // harmless: init fails only when the folder cannot be made; then there is no head to compare
        guard let log = try? AuditLog(directory: directory) else { return nil }
        return log.readHead()
    }
}
