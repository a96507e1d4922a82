/// Path arithmetic on strings, as `NSString`'s `appendingPathComponent` and
/// `deletingLastPathComponent` did it (without Foundation): text only, nothing is resolved, so a
/// symlink or `..` in a path reaches whoever opens it.
public enum PathText {
    /// `component` joined to `base` with one `/` between them: `/var/lib` + `store` →
    /// `/var/lib/store`, `/var/lib/` + `store` → `/var/lib/store`, `""` + `x` → `x`,
    /// `/base` + `./x.so` → `/base/./x.so`; an empty component leaves `base` as it is.
    public static func appending(_ component: String, to base: String) -> String {
        if component.isEmpty { return base }
        if base.isEmpty { return component }
        return base.hasSuffix("/") ? base + component : base + "/" + component
    }

    /// The folder part of `path`, repeated slashes and a trailing one ignored: `/a/b` → `/a`,
    /// `/a/b/` → `/a`, `//a//b//` → `/a`, `/a` → `/`, `/` → `/`, `a/b` → `a`, `a` → `""`.
    public static func parent(of path: String) -> String {
        var parts = path.split(separator: "/", omittingEmptySubsequences: true)
        let absolute = path.hasPrefix("/")
        guard !parts.isEmpty else { return absolute ? "/" : "" }
        parts.removeLast()
        let joined = parts.joined(separator: "/")
        return absolute ? "/" + joined : joined
    }
}
