import Foundation
import LabSupport
import Testing

extension NetmonLabTests.Socket {
    /// Polls for the socket file without pausing and connects the moment it appears; prints
    /// `OK` or the error of that very first connect.
    static let racerScript = """
        import os, socket, sys, time
        path = sys.argv[1]; end = time.time() + 20
        while not os.path.exists(path):
            if time.time() > end:
                print("TIMEOUT"); sys.exit(0)
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(path); print("OK")
        except OSError as e:
            print("REFUSED", e.errno)
        """

    // Blocking work (processes, sockets, polls) runs on a thread of its own, never on the
    // two-thread cooperative pool the in-process suites need.
    @Test func theSocketFileAcceptsConnectionsTheMomentItAppears() async throws {
        try await DockerLab.blocking { try Self().theSocketFileAcceptsConnectionsTheMomentItAppearsBody() }
    }

    /// The sidecar binds and listens under a temporary name and renames the socket into place:
    /// a client that connects as soon as the file exists is never refused (before, the file
    /// appeared at bind(), a moment before listen()). Ten fresh starts, each raced by a poller.
    func theSocketFileAcceptsConnectionsTheMomentItAppearsBody() throws {
        let binary = try #require(NetmonBinary.path)
        for round in 0..<10 {
            let netns = try Netns("race")
            defer { netns.delete() }
            let dir = try TempDir("race")
            let socket = dir.path + "/netmon.sock"
            let racer = Process()
            racer.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            racer.arguments = ["-c", Self.racerScript, socket]
            let out = Pipe()
            racer.standardOutput = out
            try racer.run()
            let sidecar = try BackgroundProcess(
                ["ip", "netns", "exec", netns.name, binary, "--socket", socket, "--state-dir", dir.path + "/state"],
                log: dir.path + "/netmon.log")
            defer { sidecar.stop() }
            // Its output ends when it exits; then it is reaped with waitpid (waitUntilExit() can
            // miss the exit under Swift Testing and block for good).
            let answer = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            var status: Int32 = 0
            _ = waitpid(racer.processIdentifier, &status, 0)
            #expect(answer == "OK", "round \(round): \(answer)\n\(sidecar.log)")
            // Only the socket itself is left in the folder: no temporary name.
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            #expect(!names.contains { $0.hasSuffix(".tmp") }, "\(names)")
        }
    }
}
