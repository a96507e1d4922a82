import AgentCore
import Testing

/// `PathText` joins and cuts paths with the text rules `NSString`'s `appendingPathComponent` and
/// `deletingLastPathComponent` had (the expected values are what Foundation returned).
@Suite struct PathTextTests {
    @Test func appending() {
        let cases: [(String, String, String)] = [
            ("/var/lib", "store", "/var/lib/store"), ("/var/lib/", "store", "/var/lib/store"), ("", "store", "store"),
            ("/", "store", "/store"), ("/a//b", "c", "/a//b/c"), ("rel", "x.so", "rel/x.so"),
            ("/base", "./x.so", "/base/./x.so"), ("/base", "../x.so", "/base/../x.so"), ("/base", "a//b.so", "/base/a//b.so"),
            ("/base", "a/", "/base/a/"), ("/base", "", "/base"), ("/base/", "/x", "/base//x"), (".", "x", "./x"),
        ]
        for (base, component, joined) in cases {
            #expect(PathText.appending(component, to: base) == joined, "\(base) + \(component)")
        }
    }

    @Test func parent() {
        let cases: [(String, String)] = [
            ("/a/b", "/a"), ("/a/b/", "/a"), ("/a", "/"), ("/", "/"), ("a/b", "a"), ("//a//b//", "/a"), ("/a/./b", "/a/."),
            ("a", ""), ("", ""),
        ]
        for (path, parent) in cases {
            #expect(PathText.parent(of: path) == parent, "\(path)")
        }
    }
}
