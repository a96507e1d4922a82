import AgentJSON
#if canImport(Glibc)
import Glibc
#endif

/// Moves the agent's site config to the new image's plugin pins for an upgrade, and back on a
/// rollback. An installer writes the image's `pins.json` into the host's site config, so a new
/// image whose plugins changed would have every plugin refused (`hash_mismatch`) under the old
/// pins: each `plugins.load` entry whose id the new image pins gets the new `path` and `sha256`
/// (its `config` stays); entries of plugins the image does not ship stay as they are.
public enum SiteConfigPins {
    /// A failed read or write of the site config (`config_update_failed`).
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let code = "config_update_failed"
        public let message: String
        public var description: String { "\(code): \(message)" }
    }

    /// `site` with the pins of `pins` (a `plugins.load` array) applied, and the ids it changed;
    /// nil when nothing changes.
    public static func refreshed(site: JSONObject, pins: [JSONValue]) -> (site: JSONObject, changed: [String])? {
        var byID: [String: JSONObject] = [:]
        for p in pins {
            if let o = p.objectValue, let id = o["id"]?.stringValue { byID[id] = o }
        }
        guard var plugins = site["plugins"]?.objectValue, let load = plugins["load"]?.arrayValue else { return nil }
        var changed: [String] = []
        let updated: [JSONValue] = load.map { entry in
            guard var e = entry.objectValue, let id = e["id"]?.stringValue, let pin = byID[id],
                let path = pin["path"]?.stringValue, let sha = pin["sha256"]?.stringValue,
                e["path"]?.stringValue != path || e["sha256"]?.stringValue?.lowercased() != sha.lowercased()
            else { return entry }
            e["path"] = .string(path)
            e["sha256"] = .string(sha)
            changed.append(id)
            return .object(e)
        }
        guard !changed.isEmpty else { return nil }
        plugins["load"] = .array(updated)
        var out = site
        out["plugins"] = .object(plugins)
        return (out, changed)
    }

    /// What ``apply(sitePath:pinsPath:)`` changed, to be undone or kept.
    public struct Change: Sendable {
        public let sitePath: String
        public let backupPath: String
        public let changed: [String]

        /// Puts the previous site config back.
        @discardableResult
        public func restore() -> Bool { AtomicFile.move(backupPath, to: sitePath) }

        /// Keeps the new one (drops the backup).
        public func keep() { unlink(backupPath) }
    }

    /// Applies the new image's `pinsPath` to the site config at `sitePath` in place (atomically,
    /// keeping its owner and mode; the old one saved as `<site>.previous`).
    /// - Returns: nil when the pins already match (nothing written).
    public static func apply(sitePath: String, pinsPath: String) throws(Failure) -> Change? {
        // handled: bytes that are not a JSON array throw below
        guard let pinBytes = AtomicFile.contents(of: pinsPath), let pins = (try? JSONParser.parse(pinBytes))?.arrayValue else {
            throw Failure(message: "\(pinsPath) is missing or not a JSON array")
        }
        // handled: bytes that are not a JSON object throw below
        guard let bytes = AtomicFile.contents(of: sitePath), let site = (try? JSONParser.parse(bytes))?.objectValue else {
            throw Failure(message: "\(sitePath) is missing or not a JSON object")
        }
        guard let (updated, changed) = refreshed(site: site, pins: pins) else { return nil }
        var st = stat()
        guard stat(sitePath, &st) == 0 else { throw Failure(message: "cannot stat \(sitePath): errno \(errno)") }
        let owner = (st.st_uid, st.st_gid)
        let mode = st.st_mode & 0o7777
        let backup = sitePath + ".previous"
        do {
            try AtomicFile.replace(backup, with: bytes, mode: mode, owner: owner)
            try AtomicFile.replace(sitePath, with: JSONWriter.bytes(.object(updated)), mode: mode, owner: owner)
        } catch {
            throw Failure(message: "\(error)")
        }
        return Change(sitePath: sitePath, backupPath: backup, changed: changed)
    }
}
