internal import HTTPTypes

/// Collects the head lines libcurl hands the header callback into response heads. Every head
/// (1xx, redirects, the final one) ends with an empty line.
struct HeadParser {
    /// A complete head.
    struct Head {
        var status: Int
        var reason: String
        var version: HTTPClientResponse.Version
        var fields: HTTPFields
        var location: Bool
    }

    private var current: Head?
    /// How many complete heads have been seen.
    private(set) var count = 0

    /// Feeds one line (CRLF included); returns a head when `line` completes one.
    mutating func feed(_ line: UnsafeRawBufferPointer) -> Head? {
        var bytes = line[...]
        while let last = bytes.last, last == 10 || last == 13 { bytes = bytes.dropLast() }
        if bytes.isEmpty {
            defer { current = nil }
            if current != nil { count += 1 }
            return current
        }
        if bytes.starts(with: "HTTP/".utf8) {
            current = Self.statusLine(bytes)
            return nil
        }
        guard current != nil, let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let nameBytes = bytes[bytes.startIndex..<colon]
        var valueBytes = bytes[bytes.index(after: colon)...]
        while let first = valueBytes.first, first == 32 || first == 9 { valueBytes = valueBytes.dropFirst() }
        while let last = valueBytes.last, last == 32 || last == 9 { valueBytes = valueBytes.dropLast() }
        guard let name = HTTPField.Name(String(decoding: nameBytes, as: UTF8.self)) else { return nil }
        if name == .location { current?.location = true }
        current?.fields.append(HTTPField(name: name, value: valueBytes))
        return nil
    }

    private static func statusLine(_ bytes: Slice<UnsafeRawBufferPointer>) -> Head? {
        let parts = bytes.split(separator: 32, maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[1].count == 3, let status = Int(String(decoding: parts[1], as: UTF8.self)) else { return nil }
        let version: HTTPClientResponse.Version
        switch String(decoding: parts[0], as: UTF8.self) {
        case "HTTP/1.0": version = .http1_0
        case "HTTP/2", "HTTP/2.0": version = .http2
        case "HTTP/3": version = .http3
        default: version = .http1_1
        }
        let reason = parts.count > 2 ? String(decoding: parts[2], as: UTF8.self) : ""
        return Head(status: status, reason: reason, version: version, fields: HTTPFields(), location: false)
    }
}
