import AgentJSON

#if canImport(Glibc)
import Glibc
#endif

/// The site config an installer writes (`orchestrator-agent site-config write`, called by
/// `scripts/install.sh`; docs/installation.md, "The site config"): the state folder, the cloud's
/// host, port and certificate folder, the agent's container name and the plugin pins, nothing
/// else. The document is checked with ``SiteConfig/parse(_:baseDirectory:)`` (the agent's own
/// reading of it) before anything is written, and written only when it differs from the file's.
public struct InstallerSiteConfig: Sendable, Equatable {
    /// `state_dir`.
    public var stateDirectory: String
    /// `cloud.host`: a host name, an IPv4 or an IPv6 address.
    public var cloudHost: String
    /// `cloud.port`.
    public var cloudPort: Int
    /// `cloud.cert_dir`.
    public var certDirectory: String
    /// `agent.container_name`; nil: no `agent` section (a host install).
    public var containerName: String?
    /// `plugins.load`: the pins as `orchestrator-agent plugins pin` prints them.
    public var pins: [JSONValue]

    /// A config of these values.
    public init(
        stateDirectory: String, cloudHost: String, cloudPort: Int, certDirectory: String, containerName: String?,
        pins: [JSONValue]
    ) {
        self.stateDirectory = stateDirectory
        self.cloudHost = cloudHost
        self.cloudPort = cloudPort
        self.certDirectory = certDirectory
        self.containerName = containerName
        self.pins = pins
    }

    /// The plugin pins of a file: a JSON array as `orchestrator-agent plugins pin` prints it (the
    /// agent image ships one as `/usr/lib/orchestrator-agent/pins.json`).
    /// - Throws: ``AgentCoreError`` `config_invalid` when the file cannot be read or is not a JSON array.
    public static func pins(fromFile path: String) throws(AgentCoreError) -> [JSONValue] {
        let bytes = try FileBytes.read(path, what: "plugin pins", code: .configInvalid, limit: 1 << 20)
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch {
            throw AgentCoreError(.configInvalid, "the plugin pins '\(path)' are not JSON: \(error)", cause: error)
        }
        guard let pins = value.arrayValue else {
            throw AgentCoreError(.configInvalid, "the plugin pins '\(path)' are not a JSON array (as `orchestrator-agent plugins pin` prints)")
        }
        return pins
    }

    /// The document, checked as the agent reads it.
    /// - Throws: ``AgentCoreError`` `config_invalid` naming the value (a host with odd characters,
    ///   a port out of range, a relative path, a pin without a 64-hex sha256, an id listed twice).
    public func document() throws(AgentCoreError) -> JSONObject {
        guard Self.isHost(cloudHost) else {
            throw AgentCoreError(.configInvalid, "cloud.host '\(cloudHost.prefix(80))' is not a host name, an IPv4 or an IPv6 address", field: "cloud.host")
        }
        guard (1...65_535).contains(cloudPort) else {
            throw AgentCoreError(.configInvalid, "cloud.port \(cloudPort) is not 1…65535", field: "cloud.port")
        }
        for (field, path) in [("state_dir", stateDirectory), ("cloud.cert_dir", certDirectory)] where !Self.isPlainAbsolutePath(path) {
            throw AgentCoreError(.configInvalid, "\(field) '\(path.prefix(200))' is not an absolute path without '..'", field: field)
        }
        var doc: JSONObject = ["state_dir": .string(stateDirectory)]
        doc["cloud"] = ["host": .string(cloudHost), "port": .number(Double(cloudPort)), "cert_dir": .string(certDirectory)]
        if let containerName {
            guard !containerName.isEmpty, containerName.utf8.allSatisfy({ Self.isNameByte($0) }) else {
                throw AgentCoreError(.configInvalid, "agent.container_name '\(containerName.prefix(80))' is not a container name", field: "agent.container_name")
            }
            doc["agent"] = ["container_name": .string(containerName)]
        }
        doc["plugins"] = ["load": .array(pins), "deny": .array([])]
        do throws(AgentCoreError) {
            _ = try SiteConfig.parse(.object(doc), baseDirectory: "/")
        } catch {
            throw AgentCoreError(.configInvalid, "the plugin pins are refused: \(error.message)", field: error.field, cause: error)
        }
        return doc
    }

    /// The file's text: one top-level member a line, each value compact (the shape of
    /// docs/installation.md), ending in a newline.
    public static func text(_ doc: JSONObject) -> String {
        let members = doc.entries.map { "  \(JSONWriter.string(.string($0.key))): \(JSONWriter.string($0.value))" }
        return "{\n" + members.joined(separator: ",\n") + "\n}\n"
    }

    /// What ``write(to:owner:dryRun:)`` did.
    public enum Outcome: String, Sendable {
        /// The file now holds the document (it did not before).
        case written
        /// The file held the same document already (owner and mode corrected where they differed).
        case unchanged
    }

    /// Writes the config to `path` (0640; its folder 0750, missing parents 0755; both owned by
    /// `owner` when given) unless the file holds the same document already, whatever its layout;
    /// then only an owner or mode that differs is corrected. Atomic: a temporary file beside it,
    /// flushed, renamed over it (``AtomicFile``). With `dryRun` nothing changes: `notes` says what would.
    /// - Throws: ``AgentCoreError`` `config_invalid` (see ``document()``), `config_write_failed`
    ///   naming the path and the system's reason.
    public func write(to path: String, owner: (uid: uid_t, gid: gid_t)?, dryRun: Bool) throws(AgentCoreError)
        -> (outcome: Outcome, notes: [String])
    {
        let doc = try document()
        let folder = AtomicFile.parent(of: path)
        var notes: [String] = []
        var info = stat()
        let folderExists = stat(folder, &info) == 0
        // handled: an unreadable or non-JSON file is one to replace
        let current = AtomicFile.contents(of: path).flatMap { try? JSONParser.parse($0) }
        let same = current?.objectValue == doc
        if dryRun {
            if !folderExists { notes.append("would create folder \(folder) (mode 0750\(Self.ownerText(owner)))") }
            if same { return (.unchanged, notes + ["\(path) unchanged"]) }
            notes.append("would write \(path) (mode 0640\(Self.ownerText(owner))):")
            notes += Self.text(doc).split(separator: "\n").map { "    " + $0 }
            return (.written, notes)
        }
        try Self.makeFolder(folder, owner: owner)
        if same {
            try Self.setOwnerMode(path, owner: owner, mode: 0o640)
            return (.unchanged, notes)
        }
        do {
            try AtomicFile.replace(path, with: Array(Self.text(doc).utf8), mode: 0o640, owner: owner.map { ($0.uid, $0.gid) })
        } catch {
            throw AgentCoreError(.configWriteFailed, "cannot write the site config: \(error)", cause: error)
        }
        return (.written, notes)
    }

    // MARK: checks and files

    static func isHost(_ host: String) -> Bool {
        guard !host.isEmpty, host.utf8.count <= 253 else { return false }
        if host.contains(":") {  // an IPv6 address, bracketed or not
            let inner = host.hasPrefix("[") && host.hasSuffix("]") ? host.dropFirst().dropLast() : Substring(host)
            return inner.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x3a) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) || $0 == 0x2e }
        }
        let bytes = Array(host.utf8)
        return isAlnum(bytes[0]) && bytes.allSatisfy { isAlnum($0) || $0 == 0x2e || $0 == 0x2d }
    }

    static func isPlainAbsolutePath(_ path: String) -> Bool {
        path.hasPrefix("/") && !path.split(separator: "/").contains("..") && !path.utf8.contains(where: { $0 < 0x20 })
    }

    private static func isAlnum(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7a) }

    private static func isNameByte(_ b: UInt8) -> Bool { isAlnum(b) || b == 0x2e || b == 0x2d || b == 0x5f }

    private static func ownerText(_ owner: (uid: uid_t, gid: gid_t)?) -> String {
        owner.map { ", owner \($0.uid):\($0.gid)" } ?? ""
    }

    /// The config folder (0750, `owner`), its missing parents 0755.
    private static func makeFolder(_ folder: String, owner: (uid: uid_t, gid: gid_t)?) throws(AgentCoreError) {
        var info = stat()
        if stat(folder, &info) != 0 {
            let parent = AtomicFile.parent(of: folder)
            if parent != folder, stat(parent, &info) != 0 { try makeParents(parent) }
            guard mkdir(folder, 0o750) == 0 || errno == EEXIST else { throw failure(folder, "cannot create it") }
        } else if (info.st_mode & S_IFMT) != S_IFDIR {
            throw AgentCoreError(.configWriteFailed, "'\(folder)' is not a folder")
        }
        try setOwnerMode(folder, owner: owner, mode: 0o750)
    }

    private static func makeParents(_ path: String) throws(AgentCoreError) {
        var info = stat()
        guard stat(path, &info) != 0 else { return }
        let parent = AtomicFile.parent(of: path)
        if parent != path { try makeParents(parent) }
        if mkdir(path, 0o755) == 0 {
            chmod(path, 0o755)  // not narrowed by the caller's umask (an installer runs with 077)
        } else if errno != EEXIST {
            throw failure(path, "cannot create it")
        }
    }

    /// Sets `mode` (and `owner`) only where they differ: a re-run changes nothing, not even a ctime.
    private static func setOwnerMode(_ path: String, owner: (uid: uid_t, gid: gid_t)?, mode: mode_t) throws(AgentCoreError) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw failure(path, "cannot look at it") }
        if let owner, info.st_uid != owner.uid || info.st_gid != owner.gid, chown(path, owner.uid, owner.gid) != 0 {
            throw failure(path, "cannot give it to \(owner.uid):\(owner.gid)")
        }
        if info.st_mode & 0o7777 != mode, chmod(path, mode) != 0 { throw failure(path, "cannot make it \(String(mode, radix: 8))") }
    }

    private static func failure(_ path: String, _ what: String) -> AgentCoreError {
        AgentCoreError(.configWriteFailed, "'\(path)': \(what): \(String(cString: strerror(errno)))")
    }
}
