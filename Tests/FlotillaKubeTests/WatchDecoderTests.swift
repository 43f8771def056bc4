import FlotillaModel
import Foundation
import Testing
@testable import FlotillaKube

@Suite struct WatchDecoderTests {
    static let stream = """
        {"type":"ADDED","object":{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","resourceVersion":"101"}}}
        {"type":"MODIFIED","object":{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","resourceVersion":"102"}}}

        {"type":"BOOKMARK","object":{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"resourceVersion":"1290"}}}
        {"type":"DELETED","object":{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","resourceVersion":"1291"}}}
        {"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 100 (1201)","reason":"Expired","code":410}}

        """

    @Test(arguments: [1, 7, 64, 4096])
    func eventsSurviveAnyChunking(chunkSize: Int) {
        var decoder = WatchDecoder()
        var events: [WatchEvent] = []
        let bytes = Data(Self.stream.utf8)
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunkSize)
            events += decoder.feed(bytes[offset..<end])
            offset = end
        }
        #expect(events.count == 5)
        #expect(events.map(\.resourceVersion) == ["101", "102", "1290", "1291", nil])
        guard case .modified(let object) = events[1] else {
            Issue.record("expected MODIFIED")
            return
        }
        #expect(object.value(at: ["metadata", "name"]) == .string("web"))
        guard case .error(let error, let expired) = events[4] else {
            Issue.record("expected ERROR")
            return
        }
        #expect(expired)
        #expect(error == .gone(message: "too old resource version: 100 (1201)"))
    }

    @Test func garbageIsAnErrorEvent() {
        var decoder = WatchDecoder()
        let events = decoder.feed(Data("not json\n".utf8))
        guard case .error(_, let expired)? = events.first else {
            Issue.record("expected an error event")
            return
        }
        #expect(!expired)
    }
}
