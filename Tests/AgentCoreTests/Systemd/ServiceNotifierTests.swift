import AgentClock
@testable import AgentCore
import Foundation
import LabSupport
import Logging
import NIOCore
import NIOPosix
import Testing

/// The notify protocol's sender (``ServiceNotifier``) and the watchdog (``SystemdWatchdog``)
/// against a test listener on a real datagram socket; the watchdog on a ``ManualClock`` and a
/// real swift-nio event loop, which the test blocks to show that a stuck loop stops the pings.
@Suite("systemd notify: sender and watchdog", .labThreads)
struct ServiceNotifierTests {
    @Test("NOTIFY_SOCKET: an absolute path or @name; anything else is a typed error naming the variable")
    func socketNames() throws {
        #expect(try ServiceNotifier.fromEnvironment([:]) == nil, "no NOTIFY_SOCKET: no notifier")
        #expect(ServiceNotifier.address(of: "/run/systemd/notify")?.last == 0, "a path ends with its NUL")
        let abstract = try #require(ServiceNotifier.address(of: "@x"))
        #expect(abstract.count == MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + 2, "NUL + name, no trailing NUL")
        for bad in ["relative/path", "x", "/" + String(repeating: "a", count: 200)] {
            #expect(throws: AgentCoreError.self) { _ = try ServiceNotifier.fromEnvironment(["NOTIFY_SOCKET": bad]) }
        }
        do throws(AgentCoreError) {
            _ = try ServiceNotifier.fromEnvironment(["NOTIFY_SOCKET": "@n", "WATCHDOG_USEC": "soon"])
            Issue.record("WATCHDOG_USEC 'soon' was accepted")
        } catch {
            #expect(error.code == .invalidArgument && error.field == "WATCHDOG_USEC", "\(error)")
        }
    }

    @Test("WATCHDOG_USEC is the period; WATCHDOG_PID of another process turns the watchdog off")
    func watchdogVariables() throws {
        let mine = try #require(try ServiceNotifier.fromEnvironment(["NOTIFY_SOCKET": "@n", "WATCHDOG_USEC": "30000000"]))
        #expect(mine.watchdogInterval == .seconds(30))
        let same = try #require(
            try ServiceNotifier.fromEnvironment(["NOTIFY_SOCKET": "@n", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid())"]))
        #expect(same.watchdogInterval == .seconds(30))
        let other = try #require(
            try ServiceNotifier.fromEnvironment(["NOTIFY_SOCKET": "@n", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"]))
        #expect(other.watchdogInterval == nil)
    }

    @Test("datagrams reach a listener at a path and at an abstract name; RELOADING=1 carries CLOCK_MONOTONIC")
    func send() async throws {
        let folder = "/tmp/notify-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: folder) }  // harmless: this test's scratch folder
        for listener in [try NotifyListener(), try NotifyListener(path: folder + "/notify")] {
            let notifier = try ServiceNotifier(socket: listener.name)
            #expect(notifier.send(["READY=1", "STATUS=ok"]) == nil)
            var ts = timespec()
            clock_gettime(CLOCK_MONOTONIC, &ts)
            #expect(notifier.send(ServiceNotifier.reloadingAssignments()) == nil)
            let got = try await DockerLab.blocking { listener.wait(seconds: 5) { $0.hasPrefix("RELOADING=1") } }
            #expect(listener.messages.first == "READY=1\nSTATUS=ok", "\(listener.messages)")
            let reload = NotifyListener.assignments(listener.messages[try #require(got)])
            let usec = reload.first { $0.hasPrefix("MONOTONIC_USEC=") }.flatMap { Int64($0.dropFirst(15)) } ?? 0
            let before = Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1_000
            #expect(usec >= before && usec < before + 5_000_000, "MONOTONIC_USEC \(usec), monotonic before the send \(before)")
        }
        let gone = try ServiceNotifier(socket: folder + "/nobody")
        #expect(gone.send(["READY=1"]) != nil, "a send to nobody reports why, it does not throw or crash")
    }

    @Test("the watchdog pings every half period while the event loop turns, and not while it is stuck")
    func watchdogFollowsTheLoop() async throws {
        let listener = try NotifyListener()
        let notifier = try ServiceNotifier(socket: listener.name)
        let clock = ManualClock()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let watchdog = SystemdWatchdog(
            notifier: notifier, period: .seconds(20), loop: loop, clock: clock, logger: Logger(label: "watchdog-test"))
        let task = Task { try await watchdog.run() }
        defer { task.cancel() }
        let pings = { listener.messages.filter { $0 == "WATCHDOG=1" }.count }

        // A tick is half the period: 10 s of the clock, one ping. (The loop has run the task it
        // was handed once it ran a later one: tasks run in order.)
        #expect(await clock.waitForSleepers(count: 1))
        #expect(clock.sleeperDeadlines.first == clock.now + .seconds(10))
        try await loop.submit {}.get()
        clock.advance(by: .seconds(10))
        #expect(try await DockerLab.blocking { listener.wait(seconds: 10) { $0 == "WATCHDOG=1" } } != nil)

        // The loop answers the task of this tick (FIFO: it ran once a later task did), then is stuck.
        #expect(await clock.waitForSleepers(count: 1))
        try await loop.submit {}.get()
        let stuck = DispatchSemaphore(value: 0)
        loop.execute { stuck.wait() }
        clock.advance(by: .seconds(10))
        #expect(try await DockerLab.blocking { listener.wait(seconds: 10, from: 1) { $0 == "WATCHDOG=1" } } != nil, "answered before it stuck")

        // Stuck: the next two ticks send nothing.
        for _ in 0..<2 {
            #expect(await clock.waitForSleepers(count: 1))
            clock.advance(by: .seconds(10))
        }
        #expect(await clock.waitForSleepers(count: 1), "the watchdog went on ticking")
        try await DockerLab.blocking { listener.collect(seconds: 0.3) }
        #expect(pings() == 2, "no ping while the loop is stuck: \(listener.messages)")

        // Unstuck: the next tick pings again.
        stuck.signal()
        try await loop.submit {}.get()
        clock.advance(by: .seconds(10))
        #expect(try await DockerLab.blocking { listener.wait(seconds: 10, from: 2) { $0 == "WATCHDOG=1" } } != nil, "pings resume")
        task.cancel()
        _ = try? await task.value  // harmless: the cancelled watchdog ends without an error to look at
        try await group.shutdownGracefully()
    }
}
