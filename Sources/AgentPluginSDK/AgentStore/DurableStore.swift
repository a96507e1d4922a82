import AgentJSON
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A durable key-value store: one JSON file per namespace (`<directory>/<namespace>.json`).
///
/// **Durability.** Every successful mutation is on disk before it returns: the whole namespace is
/// written to a fresh temporary file, fsynced, renamed over the namespace file, and the directory
/// is fsynced. After a crash (`kill -9`, power loss) each namespace holds the state either before
/// or after its last mutation, never a mix. A mutation that changes nothing does not touch the disk.
///
/// **Failures.** A mutation that fails leaves the namespace file and the in-memory state as they
/// were and throws (``StoreError/Code/io`` for system errors). The one exception is a failed
/// directory fsync after the rename: the new state is then already visible, so the store adopts it
/// and still throws `io`, because it may not survive power loss.
///
/// **Threading.** All methods are thread-safe; calls are serialised by one lock, so each call
/// sees the effects of every call that returned before it. Files are read lazily, on the first
/// call that names a namespace, and cached. The store assumes it is the only writer of its
/// directory: use one instance per directory per process, and one process per directory. Open it
/// with `exclusive: true` to have that enforced: a second process then gets `locked` instead of
/// silently racing the first.
public final class DurableStore: Sendable {
    /// The directory holding the namespace files.
    public let directory: String
    private let state: Mutex<State>
    /// The descriptor holding the directory lock (exclusive mode), kept open until ``unlock()``
    /// or the store's end.
    private let lockFD: Mutex<Int32?>

    private struct State {
        var namespaces: [String: [String: JSONValue]] = [:]
        var tmpCounter: UInt64 = 0
    }

    /// Opens the store in `directory`, creating it (and missing parents) with mode 0700, and
    /// removes temporary files left by an interrupted write. Namespace files are not read yet,
    /// so a corrupt namespace does not prevent opening.
    /// - Throws: ``StoreError/Code/io`` if the directory cannot be created, is not a directory,
    ///   or cannot be listed or cleaned.
    public init(directory: String, exclusive: Bool = false) throws(StoreError) {
        self.directory = directory
        self.state = Mutex(State())
        try FileIO.ensureDirectory(directory)
        self.lockFD = Mutex(exclusive ? try Self.lockDirectory(directory) : nil)
        for name in try FileIO.listDirectory(directory) where Self.isTemporaryFile(name) {
            try FileIO.removeFile(path(forFile: name))
        }
    }

    deinit { unlock() }

    /// Releases the exclusive lock (an agent that has shut down lets the next one in at once,
    /// also in the same process). The store stays readable and writable; only the exclusion ends.
    public func unlock() {
        lockFD.withLock { fd in
            if let f = fd {
                // Explicitly: a child forked meanwhile (until its exec closes the CLOEXEC copy)
                // shares the open file description, and a plain close would leave it locked.
                flock(f, LOCK_UN)
                close(f)
            }
            fd = nil
        }
    }

    /// Takes the exclusive `flock` on `<directory>/.lock` (released when the process ends, also
    /// by kill -9), waiting up to 2 s for a holder that is going away (``FileLock``).
    private static func lockDirectory(_ directory: String) throws(StoreError) -> Int32 {
        let path = directory + "/.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StoreError(code: .io, message: "cannot open the store lock '\(path)'", path: path, errno: errno)
        }
        guard FileLock.exclusive(fd, within: FileLock.takeOverWait) else {
            let err = errno
            close(fd)
            throw StoreError(
                code: .locked,
                message: "the store in '\(directory)' is in use by another agent process (a running daemon?): send commands "
                    + "through it with `orchestrator-agent ctl`, or stop it first, or use another state_dir",
                path: path, errno: err)
        }
        return fd
    }

    /// The value stored under `key` in `namespace`, or nil when there is none.
    /// - Throws: `invalid_namespace`, `invalid_key`, `corrupt` (namespace file unreadable), `io`.
    public func get(_ namespace: String, _ key: String) throws(StoreError) -> JSONValue? {
        try StoreValidation.namespace(namespace)
        try StoreValidation.key(key)
        return try state.withLock { s throws(StoreError) -> JSONValue? in
            try entries(namespace, &s)[key]
        }
    }

    /// Stores `value` under `key` in `namespace`, replacing any previous value; durable on return.
    /// - Throws: `invalid_namespace`, `invalid_key`, `invalid_value`, `too_large`, `corrupt`, `io`;
    ///   on any error nothing changed.
    public func put(_ namespace: String, _ key: String, _ value: JSONValue) throws(StoreError) {
        try apply(namespace, [.put(key: key, value: value)])
    }

    /// Removes `key` from `namespace`; removing an absent key succeeds. Durable on return.
    /// - Throws: `invalid_namespace`, `invalid_key`, `corrupt`, `io`; on any error nothing changed.
    public func delete(_ namespace: String, _ key: String) throws(StoreError) {
        try apply(namespace, [.delete(key: key)])
    }

    /// The keys of `namespace` that start with `prefix` (compared as UTF-8 bytes), sorted by
    /// their UTF-8 bytes. An empty prefix lists every key.
    /// - Throws: `invalid_namespace`, `corrupt`, `io`.
    public func list(_ namespace: String, prefix: String = "") throws(StoreError) -> [String] {
        try StoreValidation.namespace(namespace)
        let keys = try state.withLock { s throws(StoreError) -> [String] in
            Array(try entries(namespace, &s).keys)
        }
        return NamespaceFile.sortedKeys(keys.filter { $0.utf8.starts(with: prefix.utf8) })
    }

    /// Applies `ops` in order to `namespace` as one atomic, durable change: either all of them
    /// take effect (in memory and in one file replace) or none does.
    ///
    /// Every operation is validated before anything is written. A later op on the same key wins;
    /// an `expect` sees the effect of the ops before it in the batch.
    /// - Throws: `invalid_namespace`, `invalid_key`, `invalid_value`, `too_large`, `corrupt`, `io`,
    ///   `conflict` (an `expect` did not hold); on any error nothing changed.
    public func apply(_ namespace: String, _ ops: [StoreOp]) throws(StoreError) {
        try StoreValidation.namespace(namespace)
        for op in ops {
            switch op {
            case .put(let key, let value):
                try StoreValidation.key(key)
                try StoreValidation.value(value, key: key)
            case .delete(let key), .expect(let key, _):
                try StoreValidation.key(key)
            }
        }
        try state.withLock { s throws(StoreError) in
            let before = try entries(namespace, &s)
            var after = before
            for op in ops {
                switch op {
                case .put(let key, let value): after[key] = value
                case .delete(let key): after[key] = nil
                case .expect(let key, let value):
                    guard after[key] == value else {
                        throw StoreError(
                            code: .conflict,
                            message: "'\(key)' changed since it was read (expected \(value.map { JSONWriter.string($0) } ?? "it absent")); "
                                + "read it again and retry")
                    }
                }
            }
            guard after != before else { return }
            try write(namespace, after, &s)
            s.namespaces[namespace] = after
        }
    }

    // MARK: - internals (called with the lock held)

    private func entries(_ namespace: String, _ s: inout State) throws(StoreError) -> [String: JSONValue] {
        if let cached = s.namespaces[namespace] { return cached }
        let path = path(forFile: namespace + ".json")
        guard let bytes = try FileIO.readFile(path) else { return [:] }
        let loaded = try NamespaceFile.decode(bytes, namespace: namespace, path: path)
        s.namespaces[namespace] = loaded
        return loaded
    }

    private func write(_ namespace: String, _ entries: [String: JSONValue], _ s: inout State) throws(StoreError) {
        let path = path(forFile: namespace + ".json")
        let bytes = NamespaceFile.encode(namespace: namespace, entries: entries)
        guard bytes.count <= JSONParser.defaultMaxBytes else {
            throw StoreError(
                code: .tooLarge,
                message: "namespace would take \(bytes.count) bytes, more than the \(JSONParser.defaultMaxBytes) "
                    + "a namespace file may hold; store less data or split it over keys of another namespace",
                path: path)
        }
        for _ in 0..<100 {
            s.tmpCounter += 1
            let tmp = path + ".tmp-\(getpid())-\(s.tmpCounter)"
            do {
                try FileIO.replace(path, with: bytes, tmpPath: tmp, directory: directory)
                return
            } catch {
                switch error {
                case .beforeRename(let error, let exists):
                    if !exists { throw error }  // else the temp name is taken: try the next one
                case .afterRename(let error):
                    s.namespaces[namespace] = nil  // the file changed: reload it on next access
                    throw error
                }
            }
        }
        throw StoreError(code: .io, message: "no free temporary file name; remove *.tmp-* files", path: path)
    }

    private func path(forFile name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// True for `<anything>.json.tmp-<digits>-<digits>`, the names ``write`` uses. Namespace
    /// files always end in `.json`, so they never match.
    static func isTemporaryFile(_ name: String) -> Bool {
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return false }
        let isNumber = { (part: Substring) in !part.isEmpty && part.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        let stem = parts.dropLast(2).joined(separator: "-")
        return isNumber(parts[parts.count - 1]) && isNumber(parts[parts.count - 2])
            && stem.hasSuffix(".json.tmp") && stem.utf8.count > ".json.tmp".utf8.count
    }
}
