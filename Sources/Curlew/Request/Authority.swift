#if canImport(Glibc)
internal import Glibc
#endif

/// Checks a request's authority, `[userinfo@]host[:port]`, byte by byte: anything else would
/// change the request target once the URL is put together (`host:port?` asks for `/`,
/// `a@b@c` connects to another host).
enum Authority {
    /// The `host[:port]` part of a valid authority.
    /// - Throws: ``HTTPClientError/Kind/invalidRequest`` naming what is wrong.
    static func host(of authority: String) throws(HTTPClientError) -> String {
        var authority = authority
        let result = authority.withUTF8 { check($0) }
        switch result {
        case .success(let hostStart):
            return hostStart == 0 ? authority : String(authority.utf8.dropFirst(hostStart))!
        case .failure(let problem):
            throw .invalidRequest("the authority \(authority.debugDescription) \(problem.text)")
        }
    }

    struct Problem: Error {
        var text: String
    }

    /// The offset where the host starts, or what is wrong.
    private static func check(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<Int, Problem> {
        guard !bytes.isEmpty else { return .failure(Problem(text: "is empty")) }
        // User info: up to the only `@`.
        var hostStart = 0
        if let at = bytes.firstIndex(of: UInt8(ascii: "@")) {
            guard bytes[(at + 1)...].firstIndex(of: UInt8(ascii: "@")) == nil else {
                return .failure(Problem(text: "holds more than one @"))
            }
            guard URLBytes.isValidEscaped(UnsafeBufferPointer(rebasing: bytes[..<at]), allowing: { URLBytes.isUnreserved($0) || URLBytes.isSubDelimiter($0) || $0 == UInt8(ascii: ":") }) else {
                return .failure(Problem(text: "holds a character that does not belong in user info"))
            }
            hostStart = at + 1
        }
        var index = hostStart
        if index < bytes.count, bytes[index] == UInt8(ascii: "[") {
            // An IPv6 literal, with an optional zone (`%25` and unreserved characters).
            guard let close = bytes[index...].firstIndex(of: UInt8(ascii: "]")), close > index + 1 else {
                return .failure(Problem(text: "has an IPv6 literal without its closing ]"))
            }
            let literal = UnsafeBufferPointer(rebasing: bytes[(index + 1)..<close])
            let zone = literal.firstIndex(of: UInt8(ascii: "%"))
            let address = UnsafeBufferPointer(rebasing: literal[..<(zone ?? literal.endIndex)])
            guard isIPv6(address) else { return .failure(Problem(text: "has an invalid IPv6 literal")) }
            if let zone {
                let zoneBytes = UnsafeBufferPointer(rebasing: literal[zone...])
                guard zoneBytes.count > 3, zoneBytes[zoneBytes.startIndex + 1] == UInt8(ascii: "2"), zoneBytes[zoneBytes.startIndex + 2] == UInt8(ascii: "5"),
                      zoneBytes.dropFirst(3).allSatisfy(URLBytes.isUnreserved)
                else { return .failure(Problem(text: "has an invalid IPv6 zone")) }
            }
            index = close + 1
        } else {
            // A name or IPv4 address: the characters libcurl takes in a host name, and UTF-8
            // (an international name, which libcurl converts).
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: ":") {
                guard URLBytes.isHostName(bytes[index]) else {
                    return .failure(Problem(text: "holds \(describe(bytes[index])), which does not belong in a host"))
                }
                index += 1
            }
            guard index > start else { return .failure(Problem(text: "has no host")) }
        }
        guard index < bytes.count else { return .success(hostStart) }
        guard bytes[index] == UInt8(ascii: ":") else {
            return .failure(Problem(text: "holds \(describe(bytes[index])) after the host"))
        }
        let port = UnsafeBufferPointer(rebasing: bytes[(index + 1)...])
        guard (1...5).contains(port.count), port.allSatisfy(URLBytes.isDigit),
              let number = Int(String(decoding: port, as: UTF8.self)), (1...65535).contains(number)
        else { return .failure(Problem(text: "has a port that is not a number in 1...65535")) }
        return .success(hostStart)
    }

    /// Whether `bytes` is an IPv6 address, as `inet_pton` reads one.
    private static func isIPv6(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count < 64, bytes.allSatisfy({ URLBytes.isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }) else {
            return false
        }
        var text = Array(bytes)
        text.append(0)
        var address = in6_addr()
        return text.withUnsafeBufferPointer { inet_pton(AF_INET6, $0.baseAddress.map(UnsafeRawPointer.init)?.assumingMemoryBound(to: CChar.self), &address) } == 1
    }

    private static func describe(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? "\"\(Character(Unicode.Scalar(byte)))\"" : "byte 0x\(String(byte, radix: 16))"
    }
}

/// The byte classes of RFC 3986, shared by the URL splitter and the authority check.
enum URLBytes {
    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || ((byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "f"))
    }

    static func isAlpha(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        isAlpha(byte) || isDigit(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
    }

    static func isSubDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }

    /// A byte of a host name as libcurl accepts one: unreserved ASCII, or part of UTF-8.
    static func isHostName(_ byte: UInt8) -> Bool { isUnreserved(byte) || byte >= 0x80 }

    /// Whether every byte is allowed, or starts a `%` escape with two hex digits.
    static func isValidEscaped(_ bytes: UnsafeBufferPointer<UInt8>, allowing allowed: (UInt8) -> Bool) -> Bool {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == UInt8(ascii: "%") {
                guard index + 2 < bytes.endIndex, isHexDigit(bytes[index + 1]), isHexDigit(bytes[index + 2]) else { return false }
                index += 3
            } else {
                guard allowed(bytes[index]) else { return false }
                index += 1
            }
        }
        return true
    }
}
