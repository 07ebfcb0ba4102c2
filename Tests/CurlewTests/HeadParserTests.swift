@testable import Curlew
import HTTPTypes
import Testing

@Suite("HeadParser")
struct HeadParserTests {
    private func feed(_ lines: [String]) -> [HeadParser.Head] {
        var parser = HeadParser()
        var heads: [HeadParser.Head] = []
        for line in lines {
            var bytes = Array(line.utf8)
            if let head = bytes.withUnsafeMutableBytes({ parser.feed(UnsafeRawBufferPointer($0)) }) { heads.append(head) }
        }
        return heads
    }

    @Test("status lines: version, code and reason, with or without a reason")
    func statusLines() {
        let cases: [(String, Int, String, HTTPClientResponse.Version)] = [
            ("HTTP/1.1 200 OK\r\n", 200, "OK", .http1_1), ("HTTP/1.0 404 Not Found\r\n", 404, "Not Found", .http1_0),
            ("HTTP/2 204 \r\n", 204, "", .http2), ("HTTP/2.0 301\r\n", 301, "", .http2), ("HTTP/3 200\r\n", 200, "", .http3),
            ("HTTP/1.1  503  Busy now\r\n", 503, "Busy now", .http1_1),
        ]
        for (line, status, reason, version) in cases {
            let head = feed([line, "\r\n"]).first
            #expect(head?.status == status, "\(line.debugDescription)")
            #expect(head?.reason == reason, "\(line.debugDescription)")
            #expect(head?.version == version, "\(line.debugDescription)")
        }
        for bad in ["HTTP/1.1 20 OK\r\n", "HTTP/1.1 2000\r\n", "HTTP/1.1 abc OK\r\n", "HTTP/1.1\r\n"] {
            #expect(feed([bad, "X: y\r\n", "\r\n"]).isEmpty, "\(bad.debugDescription)")
        }
    }

    @Test("values that are not ASCII come out as HTTPTypes makes them from the same bytes: UTF-8 as text, Latin-1 kept")
    func nonASCIIValues() throws {
        let values: [[UInt8]] = [
            Array("text/plain; charset=utf-8".utf8),
            Array("caf\u{E9} \u{1F426}".utf8),  // UTF-8
            [0x63, 0x61, 0x66, 0xE9],  // Latin-1 "café", not UTF-8
            [0x61, 0x09, 0x62, 0x80, 0xFF],
        ]
        var parser = HeadParser()
        var lines: [[UInt8]] = [Array("HTTP/1.1 200 OK\r\n".utf8)]
        for (index, value) in values.enumerated() { lines.append(Array("X-V\(index): ".utf8) + value + [13, 10]) }
        lines.append([13, 10])
        var head: HeadParser.Head?
        for var line in lines {
            if let done = line.withUnsafeMutableBytes({ parser.feed(UnsafeRawBufferPointer($0)) }) { head = done }
        }
        let fields = try #require(head).fields
        #expect(fields.count == values.count)
        for (index, value) in values.enumerated() {
            let name = try #require(HTTPField.Name("X-V\(index)"))
            #expect(fields.first { $0.name == name } == HTTPField(name: name, value: value), "value \(index)")
        }
        #expect(fields[HTTPField.Name("X-V1")!] == "caf\u{E9} \u{1F426}")
    }

    @Test("fields keep their spelling and order, values are trimmed, known and unknown names alike")
    func fields() throws {
        let heads = feed([
            "HTTP/1.1 302 Found\r\n", "Content-Type: text/plain\r\n", "content-length:  5 \r\n", "X-Custom:\tv\t\r\n",
            "Location: /next\r\n", "Set-Cookie: a=1\r\n", "Set-Cookie: b=2\r\n", "bad name: x\r\n", "\r\n",
            "HTTP/2 200\r\n", "server: nginx\r\n", "\r\n",
        ])
        #expect(heads.count == 2)
        let first = try #require(heads.first)
        #expect(first.hasLocation)
        #expect(first.fields.map(\.name.rawName) == ["Content-Type", "content-length", "X-Custom", "Location", "Set-Cookie", "Set-Cookie"])
        #expect(first.fields[.contentLength] == "5")
        #expect(first.fields[.init("x-custom")!] == "v")
        #expect(first.fields[values: .setCookie] == ["a=1", "b=2"])
        #expect(heads[1].fields[.server] == "nginx")
        #expect(!heads[1].hasLocation)
    }

    @Test("values keep colons and odd bytes; nothing in a value cuts it short; LOCATION in any case counts")
    func awkwardValues() throws {
        let head = try #require(feed([
            "HTTP/1.1 301 Moved\r\n", "LOCATION: http://h:8080/a?b=c:d\r\n", "X-Nul: a\u{0}b\r\n", "X-Empty:\r\n", "\r\n",
        ]).first)
        #expect(head.hasLocation)
        #expect(head.fields[.location] == "http://h:8080/a?b=c:d")
        let odd = try #require(head.fields[.init("x-nul")!])
        #expect(odd.hasPrefix("a") && odd.hasSuffix("b") && odd.utf8.count == 3, "\(odd.debugDescription)")
        #expect(head.fields[.init("x-empty")!] == "")
        #expect(head.response.status.code == 301 && head.response.status.reasonPhrase == "Moved")
    }
}
