@testable import Curlew
import Foundation
import HTTPTypes
import Testing

/// The head parser fuzzed against a reference parser written plainly from its contract (below):
/// generated heads of valid, odd and broken lines, fed a line at a time as libcurl's header
/// callback feeds them; every head must come out as the reference reads it, and nothing may
/// trap. `CURLEW_FUZZ_COUNT` sets the number of generated responses (`make fuzz`: 300,000).
@Suite("HeadParser against a reference parser")
struct HeadParserFuzzTests {
    static var count: Int { ProcessInfo.processInfo.environment["CURLEW_FUZZ_COUNT"].flatMap(Int.init) ?? 20_000 }

    /// What the reference reads from a head.
    struct Expected: Equatable {
        var status: Int
        var reason: String
        var version: HTTPClientResponse.Version
        var hasLocation: Bool
        var fields: [String]  // "canonical-name: value"
    }

    /// The contract. A line is stripped of its trailing CR and LF bytes; an empty line ends the
    /// head being read (yielding it if its status line was valid). A line starting `HTTP/`
    /// starts a head: `HTTP/<version> SP+ <3 digits> (end | SP+ <reason>)`, the version read
    /// as 1.0 for `HTTP/1.0`, 2 for `HTTP/2` or `HTTP/2.0`, 3 for `HTTP/3` and 1.1 otherwise;
    /// anything else there leaves no head until the next status line. Other lines, inside a
    /// valid head, are fields when a colon follows at least one byte: the name is every byte
    /// before it (a name that is not a token is dropped), the value the rest with spaces and tabs
    /// trimmed; `Location` in any case marks the head. Lines without a colon are ignored.
    static func reference(_ lines: [[UInt8]]) -> [Expected] {
        var heads: [Expected] = []
        var current: Expected?
        for raw in lines {
            var line = raw
            while let last = line.last, last == 10 || last == 13 { line.removeLast() }
            if line.isEmpty {
                if let current { heads.append(current) }
                current = nil
                continue
            }
            if line.starts(with: Array("HTTP/".utf8)) {
                current = statusLine(line)
                continue
            }
            guard current != nil, let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { continue }
            let name = Array(line[..<colon])
            var value = Array(line[(colon + 1)...])
            while let first = value.first, first == 32 || first == 9 { value.removeFirst() }
            while let last = value.last, last == 32 || last == 9 { value.removeLast() }
            if String(decoding: name, as: UTF8.self).lowercased() == "location" { current?.hasLocation = true }
            if let fieldName = HTTPField.Name(String(decoding: name, as: UTF8.self)) {
                let field = HTTPField(name: fieldName, value: value)
                current?.fields.append("\(field.name.canonicalName): \(field.value)")
            }
        }
        return heads
    }

    static func statusLine(_ line: [UInt8]) -> Expected? {
        guard let space = line.firstIndex(of: 32) else { return nil }
        let versionToken = String(decoding: line[..<space], as: UTF8.self)
        var rest = line[space...].drop { $0 == 32 }
        let digits = rest.prefix(3)
        guard digits.count == 3, digits.allSatisfy({ (48...57).contains($0) }) else { return nil }
        rest = rest.dropFirst(3)
        guard rest.isEmpty || rest.first == 32 else { return nil }
        let reason = String(decoding: rest.drop { $0 == 32 }, as: UTF8.self)
        let version: HTTPClientResponse.Version
        switch versionToken {
        case "HTTP/1.0": version = .http1_0
        case "HTTP/2", "HTTP/2.0": version = .http2
        case "HTTP/3": version = .http3
        default: version = .http1_1
        }
        return Expected(status: Int(String(decoding: digits, as: UTF8.self)) ?? -1, reason: reason, version: version,
                        hasLocation: false, fields: [])
    }

    static let versions = ["HTTP/1.1", "HTTP/1.0", "HTTP/2", "HTTP/2.0", "HTTP/3", "HTTP/1.2", "HTTP/", "HTTP/9", "http/1.1", "HTTPS/1.1", "HTTP/11"]
    static let codes = ["200", "204", "301", "302", "100", "101", "404", "999", "000", "20", "2000", "2x0", " 200", "200x"]
    static let reasons = ["", " OK", " Not Found", "  Spaced  ", " ü ñ", " OK\tTab", " \u{7F}"]
    static let names = ["Content-Type", "content-length", "Location", "LOCATION", "X-Custom", "Set-Cookie", "Bad Name", "",
                        " Leading", "Trailing ", "a:b", "x\u{1}y", "Ünï", "Server", "ETag", "Vary"]
    static let values = ["", "text/plain", "  padded  ", "\tx\t", "a:b:c", "ü", "v\u{0}w", "http://h/x", "1234", "a, b", "\u{7F}"]
    static let endings = ["\r\n", "\n", "\r\r\n", "", "\r"]

    static func response(_ random: inout URLFuzzTests.Generator) -> [[UInt8]] {
        var lines: [String] = []
        for _ in 0..<Int.random(in: 1...3, using: &random) {  // interim heads, then the final one
            var status = versions.randomElement(using: &random)! + " " + codes.randomElement(using: &random)!
                + reasons.randomElement(using: &random)!
            if Int.random(in: 0..<10, using: &random) == 0 { status = "garbage \(status)" }
            lines.append(status)
            for _ in 0..<Int.random(in: 0...6, using: &random) {
                switch Int.random(in: 0..<12, using: &random) {
                case 0: lines.append("no colon here")
                case 1: lines.append("  folded continuation: x")
                case 2: lines.append(":leading colon")
                default: lines.append(names.randomElement(using: &random)! + ":" + values.randomElement(using: &random)!)
                }
            }
            lines.append("")
        }
        return lines.map { Array(($0 + endings.randomElement(using: &random)!).utf8) }
    }

    @Test("generated responses parse as the reference reads them")
    func againstReference() {
        var random = URLFuzzTests.Generator(state: 0x5EED_4EAD)
        var heads = 0
        for round in 0..<Self.count {
            let lines = Self.response(&random)
            var parser = HeadParser()
            var parsed: [Expected] = []
            for line in lines {
                let head = line.withUnsafeBytes { parser.feed($0) }
                if let head {
                    parsed.append(Expected(status: head.status, reason: head.reason, version: head.version, hasLocation: head.hasLocation,
                                           fields: head.fields.map { "\($0.name.canonicalName): \($0.value)" }))
                }
            }
            let expected = Self.reference(lines)
            if parsed != expected {
                Issue.record("round \(round): \(lines.map { String(decoding: $0, as: UTF8.self).debugDescription })\nparsed   \(parsed)\nexpected \(expected)")
                return
            }
            heads += parsed.count
        }
        // Both sides are exercised: most responses give heads, some give none.
        #expect(heads > Self.count / 2)
    }
}
