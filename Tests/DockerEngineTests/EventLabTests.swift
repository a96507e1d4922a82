import ContainerEngineSupport
import AgentJSON
import DockerEngine
import LabSupport
import Synchronization
import Testing

/// The event subscription against the lab's real dockerd.
@Suite(.requires(DockerLab.isAvailable, "needs root and the Docker lab"))
struct EventLabTests {
    @Test func seesStartAndDieOfAContainer() async throws {
        let lab = try await DockerLab.sharedAsync()
        let service = LabTest.service(lab)
        let name = LabTest.unique("ev")
        let mark = LabTest.unique("mark")
        defer { Task { await service.cleanUp(containers: [name]) } }
        let log = EventLog()
        let feed = try service.subscribe(
            filter: ["type": ["container"], "label": [.string("det.events=\(mark)")]], onEvent: log.callback)
        #expect(await log.wait("stream.open") != nil)

        try await Self.startMarked(name, mark: mark, on: service, image: lab.runtimeImage)
        let start = try #require(await log.wait("container.start", subject: name))
        #expect(start["action"] == "start")
        #expect(start["type"] == "container")
        #expect(start["attributes"]?.objectValue?["det.events"] == .string(mark))
        #expect((start["time"]?.numberValue ?? 0) > 1_700_000_000)

        let kill = try await lab.engineAPI("POST", "/containers/\(name)/kill")
        #expect(kill.status == 204)
        let die = try #require(await log.wait("container.die", subject: name))
        #expect(die["attributes"]?.objectValue?["exitCode"] == "137")
        #expect(log.first("container.create", subject: name) != nil)  // no action filter: every container event

        feed.cancel()
        let after = log.count
        // A second subscription witnesses what the engine publishes from here on.
        let witness = EventLog()
        let second = try service.subscribe(
            filter: ["type": ["container"], "label": [.string("det.events=\(mark)")]], onEvent: witness.callback)
        defer { second.cancel() }
        #expect(await witness.wait("stream.open") != nil)
        _ = try await service.object("container.start", ["id": .string(name)])
        #expect(try await lab.engineAPI("POST", "/containers/\(name)/kill").status == 204)
        // Both events reached the witness: the cancelled feed had every chance to see them.
        #expect(await witness.wait("container.die", subject: name) != nil)
        #expect(log.count == after)  // nothing once cancel() returned
        #expect(!log.kinds.contains("stream.lost"), "\(String(describing: log.first("stream.lost")))")
    }

    @Test func theFilterSelectsActions() async throws {
        let lab = try await DockerLab.sharedAsync()
        let service = LabTest.service(lab)
        let name = LabTest.unique("evf")
        let mark = LabTest.unique("mark")
        defer { Task { await service.cleanUp(containers: [name]) } }
        let log = EventLog()
        let feed = try service.subscribe(
            filter: ["type": ["container"], "event": ["die"], "label": [.string("det.events=\(mark)")]], onEvent: log.callback)
        defer { feed.cancel() }
        #expect(await log.wait("stream.open") != nil)
        try await Self.startMarked(name, mark: mark, on: service, image: lab.runtimeImage)
        _ = try await service.object("container.stop", ["id": .string(name), "timeout_s": 2])
        #expect(await log.wait("container.die", subject: name) != nil)
        #expect(Set(log.kinds) == ["stream.open", "container.die"])
    }

    @Test func aBadFilterIsRefusedAtOnce() async throws {
        let service = LabTest.service(try await DockerLab.sharedAsync())
        let e = #expect(throws: DockerEngineError.self) { try service.subscribe(filter: ["label": "x"], onEvent: { _, _ in }) }
        #expect(e?.code == .badParams)
        #expect(e?.field == "label")
    }

    @Test func anUnreachableEngineIsReportedAsLost() async throws {
        let service = ContainerDriverService(settings: DriverSettings(socketPath: "/tmp/det-absent-events.sock"))
        let log = EventLog()
        let feed = EventFeed(
            engine: service.engine, filter: EventFilter(), backoff: .init(initial: .milliseconds(50), maximum: .milliseconds(100)),
            onEvent: log.callback)
        defer { feed.cancel() }
        let lost = try #require(await log.wait("stream.lost", seconds: 60))  // a deadline, not a timing: it comes in ms when the machine is idle
        #expect(lost["code"] == "engine_unreachable")
    }

    @Test func anEngineThatKeepsHangingUpIsReportedAsLostOnceWhileTheFeedRetries() async throws {
        let attempts = Mutex(0)
        let server = try UnixStubServer { c in
            attempts.withLock { $0 += 1 }
            c.close()
        }
        defer { server.close() }
        let service = ContainerDriverService(settings: DriverSettings(socketPath: server.path))
        let log = EventLog()
        let feed = EventFeed(
            engine: service.engine, filter: EventFilter(), backoff: .init(initial: .milliseconds(50), maximum: .milliseconds(100)),
            onEvent: log.callback)
        defer { feed.cancel() }
        let lost = try #require(await log.wait("stream.lost", seconds: 60))
        #expect(lost["code"] == "engine_unreachable")
        let seen = attempts.withLock { $0 }
        #expect(await eventually(timeout: .seconds(60)) { attempts.withLock { $0 } >= seen + 3 }, "the feed keeps trying")
        feed.cancel()
        #expect(log.kinds == ["stream.lost"])
    }

    /// Creates and starts a container named `name` with the label the subscriptions filter on.
    private static func startMarked(_ name: String, mark: String, on service: ContainerDriverService, image: String) async throws {
        _ = try await service.object(
            "container.create",
            [
                "name": .string(name), "image": .string(image), "labels": ["det.events": .string(mark)], "host_config": [:],
                "networks": [["network": "none"]],
            ])
        _ = try await service.object("container.start", ["id": .string(name)])
    }
}
