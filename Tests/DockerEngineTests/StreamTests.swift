import ContainerEngineSupport
import AgentJSON
import Testing

@testable import DockerEngine

/// Splitting Docker's JSON streams (events, pull/import progress) whatever the chunking.
@Suite struct StreamTests {
    private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
    private func texts(_ docs: [[UInt8]]) -> [String] { docs.map { String(decoding: $0, as: UTF8.self) } }

    @Test func objectsSplitAcrossChunksAndSeveralPerChunk() throws {
        var s = JSONStreamSplitter()
        #expect(try s.append(bytes(#"{"a":1}"#)) .count == 1)
        #expect(try s.append(bytes(#"{"b":"#)).isEmpty)
        #expect(s.hasPartialDocument)
        #expect(texts(try s.append(bytes("2}\n{\"c\":3}\n{\"d\":[4,{\"e\":5}]}\r\n{"))) == [#"{"b":2}"#, #"{"c":3}"#, #"{"d":[4,{"e":5}]}"#])
        #expect(texts(try s.append(bytes("}"))) == ["{}"])
        #expect(!s.hasPartialDocument)
    }

    @Test func everyByteAChunkGivesTheSameDocuments() throws {
        let stream = Captured.eventsStream + "\n"
        var s = JSONStreamSplitter()
        var docs: [[UInt8]] = []
        for b in stream.utf8 { docs += try s.append([b]) }
        #expect(docs.count == 5)
        #expect(texts(docs) == stream.split(separator: "\n").map(String.init))
    }

    @Test func bracesAndQuotesInsideStringsDoNotCount() throws {
        var s = JSONStreamSplitter()
        let doc = #"{"x":"}{ \" \\","y":"[\\\""}"#
        #expect(texts(try s.append(bytes(doc + doc))) == [doc, doc])
        #expect(try JSONParser.parse(doc).objectValue?["x"] == #"}{ " \"#)
    }

    @Test func garbageBetweenDocumentsIsABadResponse() {
        var s = JSONStreamSplitter()
        let e = #expect(throws: DockerEngineError.self) { try s.append(self.bytes("{} oops")) }
        #expect(e?.code == .engineBadResponse)
    }

    @Test func anOversizedDocumentIsRefused() {
        var s = JSONStreamSplitter(maxDocumentBytes: 16)
        #expect(throws: DockerEngineError.self) { try s.append(self.bytes(#"{"a":"0123456789abcdef"#)) }
    }

    @Test func eventsDecodeToKindAndPayload() throws {
        var s = JSONStreamSplitter()
        let events = try s.append(bytes(Captured.eventsStream)).map { d in
            try DockerEvent(decoding: try #require(try JSONParser.parse(d).objectValue))
        }
        #expect(events.map(\.kind) == ["container.kill", "container.die", "container.stop", "container.start", "container.restart"])
        let die = events[1].payload
        #expect(die["id"] == "af7a6b4515822a7c97535bdd39dd5e239c886f23af8f0af165d777eae2420111")
        #expect(die["name"] == "c1")
        #expect(die["action"] == "die")
        #expect(die["type"] == "container")
        #expect(die["time"] == 1_795_662_912)
        #expect(die["attributes"]?.objectValue?["exitCode"] == "0")
        #expect(die["attributes"]?.objectValue?["io.autonomy.managed"] == "true")
        #expect(events[0].payload["attributes"]?.objectValue?["signal"] == "15")
    }

    @Test func actionsWithADetailKeepItInThePayloadOnly() throws {
        let e = try DockerEvent(decoding: [
            "Type": "container", "Action": "health_status: healthy", "Actor": ["ID": "abc", "Attributes": ["name": "plc1"]],
            "time": 5,
        ])
        #expect(e.kind == "container.health_status")
        #expect(e.payload["action"] == "health_status: healthy")
        let network = try DockerEvent(decoding: [
            "Type": "network", "Action": "connect", "Actor": ["ID": "n1", "Attributes": ["container": "c1", "name": "lanmv", "type": "macvlan"]],
        ])
        #expect(network.kind == "network.connect")
        #expect(network.payload["name"] == "lanmv")
        #expect(throws: DockerEngineError.self) { try DockerEvent(decoding: ["time": 1]) }
    }

    @Test func progressLinesTrackTheStatus() throws {
        var r = ProgressReader()
        let lines = try r.append(bytes(
            #"{"status":"Pulling from library/busybox","id":"latest"}"# + "\r\n"
                + #"{"status":"Downloading","progressDetail":{"current":10,"total":20},"progress":"[==>  ]","id":"a1"}"# + "\r\n{\"stat"))
        #expect(lines.count == 2)
        _ = try r.append(bytes("us\":\"Status: Downloaded newer image for busybox:latest\"}\r\n"))
        #expect(r.lastStatus == "Status: Downloaded newer image for busybox:latest")
        #expect(r.lines == 3)
        try r.finish()
    }

    @Test func anErrorLineFailsWithItsMessage() throws {
        var r = ProgressReader()
        _ = try r.append(bytes(#"{"status":"Pulling fs layer","id":"a1"}"# + "\n"))
        let e = #expect(throws: DockerEngineError.self) {
            try r.append(self.bytes(
                #"{"errorDetail":{"message":"unauthorized: authentication required"},"error":"unauthorized: authentication required"}"#))
        }
        #expect(e?.code == .engineError)
        #expect(e?.message == "unauthorized: authentication required")
        var bare = ProgressReader()
        let e2 = #expect(throws: DockerEngineError.self) { try bare.append(self.bytes(#"{"error":"no space left on device"}"#)) }
        #expect(e2?.message == "no space left on device")
    }

    @Test func aStreamEndingMidLineIsABadResponse() throws {
        var r = ProgressReader()
        _ = try r.append(bytes(#"{"status":"sha256:ab"#))
        #expect(throws: DockerEngineError.self) { try r.finish() }
    }
}
