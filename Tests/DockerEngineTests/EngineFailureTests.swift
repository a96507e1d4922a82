import ContainerEngineSupport
import LabSupport
import AgentJSON
import DockerEngine
import Foundation
import Testing

/// Transport failures as the driver reports them: no engine at the socket, and an engine that
/// accepts but never answers.
@Suite struct EngineFailureTests {
    @Test func aSocketThatDoesNotExistIsEngineUnreachable() async {
        let service = ContainerDriverService(settings: DriverSettings(socketPath: "/tmp/det-\(UUID().uuidString.prefix(8)).sock"))
        for method in ["engine.version", "engine.ping"] {
            let e = await service.failure(method)
            #expect(e?.code == .engineUnreachable)
            #expect(e?.httpStatus == nil)
        }
        #expect(await service.failure("container.inspect", ["id": "x"])?.code == .engineUnreachable)
    }

    @Test func aServerThatNeverAcceptsIsEngineTimeout() async throws {
        let server = try UnixStubServer(accepting: false)
        defer { server.close() }
        let service = ContainerDriverService(settings: DriverSettings(socketPath: server.path, callTimeout: .milliseconds(400)))
        let e = await service.failure("engine.version")
        #expect(e?.code == .engineTimeout)
    }

    @Test func aServerThatAcceptsAndNeverAnswersIsEngineTimeout() async throws {
        let server = try UnixStubServer { c in
            _ = c.readRequest()
            c.readUntilEOF()
            c.close()
        }
        defer { server.close() }
        let service = ContainerDriverService(settings: DriverSettings(socketPath: server.path, apiVersion: APIVersion(1, 41)))
        let t0 = ContinuousClock.now
        let e = await service.failure("container.inspect", ["id": "x", "timeout_ms": 300])
        #expect(e?.code == .engineTimeout)
        let took = ContinuousClock.now - t0
        #expect(took >= .milliseconds(290))  // never before the deadline (no upper bound: a busy machine decides that)
    }

    @Test func aServerThatHangsUpIsEngineUnreachable() async throws {
        let server = try UnixStubServer { c in
            _ = c.readRequest()
            c.close()
        }
        defer { server.close() }
        let service = ContainerDriverService(settings: DriverSettings(socketPath: server.path, apiVersion: APIVersion(1, 41)))
        #expect(await service.failure("container.inspect", ["id": "x"])?.code == .engineUnreachable)
    }

    @Test func anUndecodableAnswerIsEngineBadResponse() async throws {
        let server = try UnixStubServer { c in
            _ = c.readRequest()
            c.write("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nnot json!")
            c.close()
        }
        defer { server.close() }
        let service = ContainerDriverService(settings: DriverSettings(socketPath: server.path, apiVersion: APIVersion(1, 41)))
        #expect(await service.failure("container.inspect", ["id": "x"])?.code == .engineBadResponse)
    }

    @Test func anErrorLineInAPullStreamIsEngineError() async throws {
        // The engine answers 200 and reports the failure in the stream (a registry error midway).
        let server = try UnixStubServer { c in
            _ = c.readRequest()
            c.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            let lines = [
                #"{"status":"Pulling from lab/x","id":"1"}"# + "\r\n",
                #"{"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"}"# + "\r\n",
            ]
            for l in lines { c.write(String(l.utf8.count, radix: 16) + "\r\n" + l + "\r\n") }
            c.write("0\r\n\r\n")
            c.readUntilEOF()
            c.close()
        }
        defer { server.close() }
        let service = ContainerDriverService(settings: DriverSettings(socketPath: server.path, apiVersion: APIVersion(1, 41)))
        let e = await service.failure("image.pull", ["ref": "lab/x:1"])
        #expect(e?.code == .engineError)
        #expect(e?.message == "manifest unknown")
    }
}
