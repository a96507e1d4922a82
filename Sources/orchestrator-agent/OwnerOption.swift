import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// The `--owner UID:GID` option of the commands that write files for another user.
enum OwnerOption {
    /// `owner` as numbers, or nil when not given.
    /// - Throws: a `ValidationError` unless it is `UID:GID` in numbers.
    static func parse(_ owner: String?) throws -> (uid: uid_t, gid: gid_t)? {
        guard let owner else { return nil }
        let parts = owner.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let uid = uid_t(parts[0]), let gid = gid_t(parts[1]) else {
            throw ValidationError("--owner must be UID:GID in numbers")
        }
        return (uid, gid)
    }
}
