import NetmonCore
import NetmonProtocol
import Testing

@Suite struct FramingTests {
    @Test func lineFramerDropsAnOverlongLineAndKeepsGoing() {
        var f = LineFramer(maxLineBytes: 16)
        var items = f.feed(Array("{\"a\":1}\n".utf8))
        #expect(items == [.line(Array("{\"a\":1}".utf8))])
        items = f.feed([UInt8](repeating: UInt8(ascii: "x"), count: 40))
        #expect(items == [.tooLong])
        items = f.feed(Array("yyy\nok\r\n".utf8))  // the rest of the long line is skipped, then normal lines
        #expect(items == [.line(Array("ok".utf8))])
        #expect(f.pendingBytes == 0)
    }

    @Test func outputQueueHasABound() {
        var q = OutputQueue(limit: 10)
        let a = q.append(line: Array("abcd".utf8))
        let b = q.append(line: Array("efgh".utf8))
        #expect(a && b)
        #expect(q.count == 10)
        let c = q.append(line: Array("i".utf8))
        #expect(!c)  // would pass the bound: refused, nothing queued
        var written: [UInt8] = []
        q.drain { raw in
            written += raw.prefix(3)
            return 3
        }
        #expect(String(decoding: written, as: UTF8.self) == "abc")
        #expect(q.count == 7)
        let d = q.append(line: Array("ij".utf8))
        #expect(d)
        q.drain { raw in
            written += raw
            return raw.count
        }
        #expect(String(decoding: written, as: UTF8.self) == "abcd\nefgh\nij\n")
        #expect(q.isEmpty)
    }

    @Test func sequencerRunsOrderedRequestsOneAtATime() {
        var s = RequestSequencer<Int>()
        let started = [s.submit(1), s.submit(2), s.submit(3)]
        #expect(started == [1, nil, nil])  // 1 starts at once, 2 and 3 wait
        #expect(s.waiting == 2)
        let next = [s.finished(), s.finished(), s.finished()]
        #expect(next == [2, 3, nil])
        #expect(!s.isBusy)
        let again = s.submit(4)
        #expect(again == 4)
    }
}
