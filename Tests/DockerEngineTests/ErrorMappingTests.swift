import ContainerEngineSupport
import HTTP1Client
import Testing

@testable import DockerEngine

/// HTTP statuses and transport failures → the contract's error codes.
@Suite struct ErrorMappingTests {
    private func body(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test(arguments: [
        (404, DockerEngineError.Code.engineNotFound), (409, .engineConflict), (400, .engineBadRequest), (403, .engineForbidden),
        (500, .engineError), (503, .engineError), (418, .engineError),
    ])
    func statusPicksTheCode(status: Int, code: DockerEngineError.Code) {
        let e = EngineDialect.docker.failure(status: status, body: body(#"{"message":"No such container: plc9"}"#))
        #expect(e.code == code)
        #expect(e.message == "No such container: plc9")
        #expect(e.httpStatus == status)
    }

    @Test func aBodyWithoutMessageBecomesTheMessage() {
        #expect(EngineDialect.docker.failure(status: 502, body: body("  bad gateway\n")).message == "bad gateway")
        #expect(EngineDialect.docker.failure(status: 500, body: []).message == "the Docker engine answered HTTP 500")
        #expect(EngineDialect.docker.failure(status: 500, body: body(#"{"msg":"x"}"#)).message == #"{"msg":"x"}"#)
    }

    @Test func capturedEngineAnswersMapAsTheContractSays() {
        // Bodies and statuses as Engine 20.10 (API 1.41) answered them in the lab.
        let cases: [(Int, String, DockerEngineError.Code)] = [
            (409, #"{"message":"Conflict. The container name \"/c1\" is already in use by container \"af7a\"."}"#, .engineConflict),
            (403, #"{"message":"Pool overlaps with other one on this address space"}"#, .engineForbidden),
            (409, #"{"message":"network with name int1 already exists"}"#, .engineConflict),
            (403, #"{"message":"error while removing network: network lanmv id 27c3 has active endpoints"}"#, .engineForbidden),
            (500, #"{"message":"network dm-27c35f99a2bf is already using parent interface eth-lab"}"#, .engineError),
            (400, #"{"message":"Container cannot be connected to network endpoints: lanmv, int1"}"#, .engineBadRequest),
            (404, #"{"message":"network nonet not found"}"#, .engineNotFound),
        ]
        for (status, text, code) in cases {
            let e = EngineDialect.docker.failure(status: status, body: body(text))
            #expect(e.code == code, "\(text)")
            #expect(!e.message.hasPrefix("{"))
        }
    }

    @Test func transportFailuresMap() {
        #expect(EngineDialect.docker.failure(HTTPClientError(.connectFailed, "x")).code == .engineUnreachable)
        #expect(EngineDialect.docker.failure(HTTPClientError(.connectionClosed, "x")).code == .engineUnreachable)
        #expect(EngineDialect.docker.failure(HTTPClientError(.timeout, "x")).code == .engineTimeout)
        #expect(EngineDialect.docker.failure(HTTPClientError(.badResponse, "x")).code == .engineBadResponse)
        #expect(EngineDialect.docker.failure(HTTPClientError(.bodyTooLarge, "x")).code == .engineBadResponse)
        #expect(EngineDialect.docker.failure(HTTPClientError(.cancelled, "x")).code == .cancelled)
        #expect(EngineDialect.docker.failure(HTTPClientError(.connectFailed, "x")).httpStatus == nil)
    }
}
