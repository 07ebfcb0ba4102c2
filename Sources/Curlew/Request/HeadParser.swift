internal import HTTPTypes

/// Collects the head lines libcurl hands the header callback into response heads. Every head
/// (1xx, redirects, the final one) ends with an empty line.
///
/// It runs for every header line of every response, on the loop thread, so it does the least it
/// can there: the status line is read (the loop needs the status to tell interim heads from the
/// final one) and whether a `Location` field came, while the field lines are only copied,
/// trimmed, into one byte buffer. The `HTTPFields` are built from that buffer by
/// ``Head/fields``, which `execute` calls on the awaiting task's thread.
struct HeadParser {
    /// A complete head.
    struct Head: Sendable {
        var status: Int
        var reason: String
        var version: HTTPClientResponse.Version
        /// Whether a `Location` field came.
        var hasLocation: Bool
        /// The field lines in order, each as the length of its name and of its (trimmed) value,
        /// four bytes each, then the name's bytes and the value's: no byte of either is taken
        /// for a separator.
        var rawFields: [UInt8]
        /// How many field lines `rawFields` holds.
        var fieldCount = 0
        /// Redirects followed before this head, and the URL it answers when there were any
        /// (set by the loop when it hands the final head over).
        var redirects = 0
        var finalURL: String?

        /// The fields, made and validated now: common names come from a table, and a line whose
        /// name is not a valid token is dropped.
        var fields: HTTPFields {
            var fields = HTTPFields()
            fields.reserveCapacity(fieldCount)
            rawFields.withUnsafeBytes { bytes in
                var start = 0
                while start + 8 <= bytes.count {
                    let nameCount = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: start, as: UInt32.self)))
                    let valueCount = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: start + 4, as: UInt32.self)))
                    let nameStart = start + 8, valueStart = nameStart + nameCount, end = valueStart + valueCount
                    guard end <= bytes.count else { break }
                    let nameBytes = UnsafeRawBufferPointer(rebasing: bytes[nameStart..<valueStart])
                    if let name = KnownFieldNames.match(nameBytes) ?? HTTPField.Name(String(decoding: nameBytes, as: UTF8.self)) {
                        fields.append(Self.field(name, UnsafeRawBufferPointer(rebasing: bytes[valueStart..<end])))
                    }
                    start = end
                }
            }
            return fields
        }

        /// The field `name: value`. An ASCII value (nearly every one) goes in as a `String`
        /// decoded here, where the decoding is specialized: HTTPTypes' initializer from bytes
        /// validates them as UTF-8 through an unspecialized generic (1.7 % of the loop's samples
        /// at h1 C=16). Other values go in as bytes, so Latin-1 that is not UTF-8 is kept as it
        /// is. Either way the field is the one HTTPTypes makes from the same bytes.
        private static func field(_ name: HTTPField.Name, _ value: UnsafeRawBufferPointer) -> HTTPField {
            if value.allSatisfy({ $0 < 0x80 }) {
                return HTTPField(name: name, value: String(decoding: value, as: UTF8.self))
            }
            return HTTPField(name: name, value: value)
        }

        /// The head as the caller gets it.
        var response: HTTPResponse {
            var response = HTTPResponse(status: HTTPResponse.Status(code: status, reasonPhrase: reason))
            response.headerFields = fields
            return response
        }
    }

    private var current: Head?

    /// Feeds one line (CRLF included); returns a head when `line` completes one.
    mutating func feed(_ line: UnsafeRawBufferPointer) -> Head? {
        var end = line.count
        while end > 0, line[end - 1] == 10 || line[end - 1] == 13 { end -= 1 }
        if end == 0 {
            defer { current = nil }
            return current
        }
        let bytes = UnsafeRawBufferPointer(rebasing: line[0..<end])
        if end >= 5, bytes[0] == UInt8(ascii: "H"), bytes[1] == UInt8(ascii: "T"), bytes[2] == UInt8(ascii: "T"),
           bytes[3] == UInt8(ascii: "P"), bytes[4] == UInt8(ascii: "/") {
            current = Self.statusLine(bytes)
            return nil
        }
        guard current != nil, let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return nil }
        var valueStart = colon + 1
        var valueEnd = end
        while valueStart < valueEnd, bytes[valueStart] == 32 || bytes[valueStart] == 9 { valueStart += 1 }
        while valueEnd > valueStart, bytes[valueEnd - 1] == 32 || bytes[valueEnd - 1] == 9 { valueEnd -= 1 }
        if Self.isLocation(UnsafeRawBufferPointer(rebasing: bytes[0..<colon])) { current?.hasLocation = true }
        current?.fieldCount += 1
        withUnsafeBytes(of: UInt32(colon).littleEndian) { current?.rawFields.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(valueEnd - valueStart).littleEndian) { current?.rawFields.append(contentsOf: $0) }
        current?.rawFields.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<colon]))
        current?.rawFields.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd]))
        return nil
    }

    /// Whether a field name is `Location`, in any case.
    private static func isLocation(_ name: UnsafeRawBufferPointer) -> Bool {
        guard name.count == 8 else { return false }
        return zip(name, "location".utf8).allSatisfy { ($0 | 0x20) == $1 }
    }

    /// `HTTP/x[.y] SP 3DIGIT [SP reason]`; `nil` for anything else.
    static func statusLine(_ bytes: UnsafeRawBufferPointer) -> Head? {
        guard let space = bytes.firstIndex(of: 32) else { return nil }
        var codeStart = space
        while codeStart < bytes.count, bytes[codeStart] == 32 { codeStart += 1 }
        guard codeStart + 3 <= bytes.count, codeStart + 3 == bytes.count || bytes[codeStart + 3] == 32 else { return nil }
        var status = 0
        for index in codeStart..<codeStart + 3 {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            status = status * 10 + Int(digit)
        }
        let version: HTTPClientResponse.Version
        switch (space, bytes[5], space > 7 ? bytes[7] : 0) {
        case (8, UInt8(ascii: "1"), UInt8(ascii: "0")): version = .http1_0
        case (6, UInt8(ascii: "2"), _), (8, UInt8(ascii: "2"), UInt8(ascii: "0")): version = .http2
        case (6, UInt8(ascii: "3"), _): version = .http3
        default: version = .http1_1
        }
        var reasonStart = codeStart + 3
        while reasonStart < bytes.count, bytes[reasonStart] == 32 { reasonStart += 1 }
        let reason = reasonStart < bytes.count ? String(decoding: UnsafeRawBufferPointer(rebasing: bytes[reasonStart...]), as: UTF8.self) : ""
        var rawFields: [UInt8] = []
        rawFields.reserveCapacity(256)
        return Head(status: status, reason: reason, version: version, hasLocation: false, rawFields: rawFields)
    }
}

/// The field names most responses carry, as servers spell them over HTTP/1.1 and as libcurl
/// hands them over HTTP/2 (lowercase), each made once.
enum KnownFieldNames {
    private static let table: [(bytes: [UInt8], name: HTTPField.Name)] = {
        let names: [HTTPField.Name] = [
            .server, .date, .contentType, .contentLength, .connection, .lastModified, .eTag, .acceptRanges,
            .location, .transferEncoding, .contentEncoding, .cacheControl, .vary, .expires, .age,
            .setCookie, .accessControlAllowOrigin, .strictTransportSecurity, .xContentTypeOptions,
        ]
        var table: [(bytes: [UInt8], name: HTTPField.Name)] = []
        for name in names {
            table.append((Array(name.rawName.utf8), name))
            let lowercase = name.rawName.lowercased()
            if lowercase != name.rawName, let lowercaseName = HTTPField.Name(lowercase) {
                table.append((Array(lowercase.utf8), lowercaseName))
            }
        }
        for spelling in ["Keep-Alive", "keep-alive"] {
            if let name = HTTPField.Name(spelling) { table.append((Array(spelling.utf8), name)) }
        }
        return table
    }()

    /// The name spelled exactly as `bytes`, when it is a known one.
    static func match(_ bytes: UnsafeRawBufferPointer) -> HTTPField.Name? {
        let count = bytes.count
        guard count > 0 else { return nil }
        let first = bytes[0]
        for entry in table where entry.bytes.count == count && entry.bytes[0] == first {
            if entry.bytes.withUnsafeBytes({ $0.elementsEqual(bytes) }) { return entry.name }
        }
        return nil
    }
}
