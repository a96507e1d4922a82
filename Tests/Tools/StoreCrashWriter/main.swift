// store-crash-writer DIR: mutates namespace "crash" of a DurableStore in DIR forever, so a test
// can SIGKILL it at random moments. Each iteration atomically stores a == b == n and a ~4 KiB
// "blob" that embeds n at both ends; it resumes from the stored n and prints n every 100 steps.
import AgentJSON
import AgentStore
import Foundation

func fail(_ message: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data("store-crash-writer: \(message)\n".utf8))
    exit(status)
}

guard CommandLine.arguments.count == 2 else {
    fail("usage: store-crash-writer DIR", status: 2)
}

/// The blob for step `n`: starts with "n=<n>;" and ends with ";n=<n>", about 4 KiB long.
func blob(_ n: Int) -> String {
    let mark = "n=\(n);"
    return mark + String(repeating: "x", count: 4096 - 2 * mark.count) + ";n=\(n)"
}

do {
    let store = try DurableStore(directory: CommandLine.arguments[1])
    var n = Int(try store.get("crash", "a")?.numberValue ?? 0)
    while true {
        n += 1
        try store.apply("crash", [
            .put(key: "a", value: .number(Double(n))),
            .put(key: "b", value: .number(Double(n))),
            .put(key: "blob", value: .string(blob(n))),
        ])
        if n % 100 == 0 {
            FileHandle.standardOutput.write(Data("\(n)\n".utf8))  // unbuffered: one write(2)
        }
    }
} catch {
    fail("\(error)", status: 1)
}
