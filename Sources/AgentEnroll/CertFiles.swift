import AgentCore
#if canImport(Glibc)
import Glibc
#endif

/// The files of an enrolment in the certificate folder, written atomically with strict modes:
/// `client.key` 0600, `client.crt` 0644, `issuer-ca.pem` 0644, the folder 0700, all owned by
/// `owner` when given. Each file is written to a temporary name in the folder, flushed, and
/// renamed over the old one; the old key and certificate stay as `client.key.prev` and
/// `client.crt.prev` (hard links made before the rename, so there is never a moment without a
/// key).
struct CertFiles {
    let directory: String
    let owner: (uid: uid_t, gid: gid_t)?

    var keyPath: String { directory + "/client.key" }
    var certPath: String { directory + "/client.crt" }
    var issuerPath: String { directory + "/issuer-ca.pem" }

    /// Installs the pair (and the issuer CA when given).
    /// - Throws: ``EnrollError`` `local` naming the file and the system's reason.
    func install(key: String, certificate: String, issuerCA: [UInt8]?) throws(EnrollError) {
        try makeDirectory()
        let key = try stage("client.key", Array(key.utf8), mode: 0o600)
        let cert = try stage("client.crt", Array(certificate.utf8), mode: 0o644)
        let issuer = try issuerCA.map { bytes throws(EnrollError) in try stage("issuer-ca.pem", bytes, mode: 0o644) }
        try keepPrevious("client.key")
        try keepPrevious("client.crt")
        try rename(key, keyPath)
        try rename(cert, certPath)
        if let issuer { try rename(issuer, issuerPath) }
        syncDirectory()
    }

    /// Installs `issuer-ca.pem` alone (a kept pair's anchor), staged and renamed like the pair.
    /// - Throws: ``EnrollError`` `local` naming the file and the system's reason.
    func installIssuer(_ bytes: [UInt8]) throws(EnrollError) {
        try rename(try stage("issuer-ca.pem", bytes, mode: 0o644), issuerPath)
        syncDirectory()
    }

    /// The folder (0700) and the files of an enrolment that are there (keys 0600, certificates
    /// 0644) get `owner` and their mode where they differ: a re-run that finds them right changes
    /// nothing, not even a ctime. Returns what it changed (with `dryRun`: would change).
    /// - Throws: ``EnrollError`` `local` naming the file and the system's reason.
    func correctOwnersAndModes(dryRun: Bool) throws(EnrollError) -> [String] {
        var notes: [String] = []
        let entries: [(String, mode_t)] = [(directory, 0o700)] + [
            ("client.key", 0o600), ("client.key.prev", 0o600), ("client.crt", 0o644), ("client.crt.prev", 0o644), ("issuer-ca.pem", 0o644),
        ].map { (directory + "/" + $0.0, $0.1) }
        for (path, mode) in entries {
            var info = stat()
            // The folder may be reached through a symbolic link; a file may not be one.
            guard (path == directory ? stat(path, &info) : lstat(path, &info)) == 0 else { continue }
            guard (info.st_mode & S_IFMT) == (path == directory ? S_IFDIR : S_IFREG) else {
                throw EnrollError(.local, "'\(path)' is not a \(path == directory ? "folder" : "regular file")")
            }
            if let owner, info.st_uid != owner.uid || info.st_gid != owner.gid {
                notes.append("\(dryRun ? "would give" : "gave") \(path) to \(owner.uid):\(owner.gid)")
                if !dryRun, chown(path, owner.uid, owner.gid) != 0 { throw failure(path, "cannot give it to \(owner.uid):\(owner.gid)") }
            }
            if info.st_mode & 0o7777 != mode {
                notes.append("\(dryRun ? "would set" : "set") \(path) to mode 0\(String(mode, radix: 8))")
                if !dryRun, chmod(path, mode) != 0 { throw failure(path, "cannot make it 0\(String(mode, radix: 8))") }
            }
        }
        return notes
    }

    private func syncDirectory() {
        let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
    }

    private func makeDirectory() throws(EnrollError) {
        var info = stat()
        if stat(directory, &info) != 0 {
            guard errno == ENOENT else { throw failure(directory, "cannot look at it") }
            let parent = PathText.parent(of: directory)
            guard access(parent, F_OK) == 0 || mkdirs(parent) else { throw failure(parent, "cannot create it") }
            guard mkdir(directory, 0o700) == 0 || errno == EEXIST else { throw failure(directory, "cannot create it") }
        } else if (info.st_mode & S_IFMT) != S_IFDIR {
            throw EnrollError(.local, "'\(directory)' exists and is not a folder")
        }
        guard chmod(directory, 0o700) == 0 else { throw failure(directory, "cannot make it 0700") }
        if let owner, chown(directory, owner.uid, owner.gid) != 0 { throw failure(directory, "cannot give it to \(owner.uid):\(owner.gid)") }
    }

    private func mkdirs(_ path: String) -> Bool {
        if access(path, F_OK) == 0 { return true }
        let parent = PathText.parent(of: path)
        guard parent != path, mkdirs(parent) else { return false }
        return mkdir(path, 0o755) == 0 || errno == EEXIST
    }

    /// Writes `.name.tmp-<pid>` with `mode` (and owner), flushed; returns its path.
    private func stage(_ name: String, _ bytes: [UInt8], mode: mode_t) throws(EnrollError) -> String {
        let path = "\(directory)/.\(name).tmp-\(getpid())"
        unlink(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure(path, "cannot create it") }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                let reason = failure(path, "cannot write it")
                unlink(path)
                throw reason
            }
            written += n
        }
        guard fchmod(fd, mode) == 0, fsync(fd) == 0 else {
            let reason = failure(path, "cannot finish it")
            unlink(path)
            throw reason
        }
        if let owner, fchown(fd, owner.uid, owner.gid) != 0 {
            let reason = failure(path, "cannot give it to \(owner.uid):\(owner.gid)")
            unlink(path)
            throw reason
        }
        return path
    }

    /// `name` → `name.prev` as a hard link (the old file stays in place until the rename).
    private func keepPrevious(_ name: String) throws(EnrollError) {
        let current = directory + "/" + name
        guard access(current, F_OK) == 0 else { return }
        unlink(current + ".prev")
        guard link(current, current + ".prev") == 0 else { throw failure(current + ".prev", "cannot keep the previous file") }
    }

    private func rename(_ from: String, _ to: String) throws(EnrollError) {
        guard Glibc.rename(from, to) == 0 else { throw failure(to, "cannot put it in place") }
    }

    private func failure(_ path: String, _ what: String) -> EnrollError {
        EnrollError(.local, "'\(path)': \(what): \(String(cString: strerror(errno)))")
    }
}
