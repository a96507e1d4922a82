import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel

/// Reads for the background passes (the lifecycle's check, network checks, DHCP resyncs, usage
/// sampling): a failed read is logged with its code and counted, and the pass skips this round;
/// it never reads as "no records".
extension RuntimeStore {
    /// Every device record for a background pass (`pass` names it in the log: `reconcile`,
    /// `network_check`, …), or nil when the store cannot be read: the failure is then logged with
    /// its code and counted (``storeFailed(_:during:device:outcome:)``), and the caller skips this
    /// round (the next pass tries again). Never "no records": a pass must not act on a failed read.
    func recordsForPass(_ pass: String) -> [DeviceRecord]? {
        do { return try records() } catch {
            storeFailed(error, during: pass)
            return nil
        }
    }

    /// The record of `device` for a background pass: `.success(nil)` when it has none,
    /// `.failure` (already logged and counted) when the store or the record cannot be read.
    func recordForPass(_ device: String, _ pass: String) -> Result<DeviceRecord?, RuntimeError> {
        do { return .success(try record(device)) } catch {
            storeFailed(error, during: pass, device: device)
            return .failure(error)
        }
    }

    /// Reports a failed store read or write outside a command (whose caller gets the error):
    /// an error log line with the stable `code` and what was skipped, and a
    /// `local.store_failed` event, which the metrics endpoint counts
    /// (`agent_plugin_store_failures_total`).
    /// `outcome` says what happens instead (default: the pass is skipped this round).
    func storeFailed(_ error: RuntimeError, during pass: String, device: String? = nil, outcome: String = "skipped this round") {
        var metadata = ["code": error.code, "during": pass, "error": error.message]
        if let device { metadata["device"] = device }
        host.log(.error, "the state store failed during \(pass): \(outcome)", metadata: metadata)
        // harmless: a `local.` event answers `unsupported` when no observer listens (docs/plugins.md).
        try? host.emit("local.store_failed", ["code": .string(error.code), "during": .string(pass)])
    }
}
