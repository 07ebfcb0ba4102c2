/// Splits the common URL (`scheme://host[:port]/path[?query][#fragment]`, printable ASCII,
/// well-formed percent escapes) into an `HTTPRequest`'s parts without Foundation, which spends
/// several microseconds per URL on Unicode and IDNA handling. Anything else (user info, IPv6
/// literals, non-ASCII, stray `%`) returns `nil` and takes the Foundation path, so both
/// give the same answer for the URLs this one accepts.
enum URLSplitter {
    struct Parts: Equatable {
        /// Lowercased.
        var scheme: String
        /// `host[:port]`, as written.
        var authority: String
        /// The path (`/` when empty) and `?query`; no fragment.
        var pathAndQuery: String
    }

    static func split(_ url: String) -> Parts? {
        var url = url
        return url.withUTF8 { split($0) }
    }

    private static func split(_ bytes: UnsafeBufferPointer<UInt8>) -> Parts? {
        let count = bytes.count
        // The scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then "://".
        var index = 0
        while index < count, bytes[index] != UInt8(ascii: ":") {
            let byte = bytes[index]
            guard URLBytes.isAlpha(byte) || (index > 0 && (URLBytes.isDigit(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "."))) else {
                return nil
            }
            index += 1
        }
        guard index > 0, index + 2 < count, bytes[index + 1] == UInt8(ascii: "/"), bytes[index + 2] == UInt8(ascii: "/") else { return nil }
        let schemeEnd = index
        index += 3
        // The authority: the host-name characters libcurl takes (no sub-delimiters, no escapes),
        // then an optional all-digit port; anything else is the Foundation path's.
        let hostStart = index
        var portStart: Int?
        while index < count, bytes[index] != UInt8(ascii: "/"), bytes[index] != UInt8(ascii: "?"), bytes[index] != UInt8(ascii: "#") {
            let byte = bytes[index]
            if byte == UInt8(ascii: ":") {
                guard portStart == nil else { return nil }
                portStart = index + 1
            } else if let portStart {
                guard URLBytes.isDigit(byte), index - portStart < 5 else { return nil }
            } else {
                guard URLBytes.isUnreserved(byte) else { return nil }
            }
            index += 1
        }
        let authorityEnd = index
        let hostEnd = portStart.map { $0 - 1 } ?? authorityEnd
        guard hostEnd > hostStart else { return nil }
        // Path and query, then the fragment (dropped, but as well formed as the rest).
        let pathStart = index
        guard let pathEnd = scanPathCharacters(bytes, from: pathStart, stoppingAtFragment: true),
              pathEnd == count || scanPathCharacters(bytes, from: pathEnd + 1, stoppingAtFragment: false) == count
        else { return nil }
        // An empty port (`host:`) is no port, as Foundation reads it.
        let authorityBytes = portStart == authorityEnd ? UnsafeBufferPointer(rebasing: bytes[hostStart..<hostEnd])
                                                       : UnsafeBufferPointer(rebasing: bytes[hostStart..<authorityEnd])
        let pathBytes = UnsafeBufferPointer(rebasing: bytes[pathStart..<pathEnd])
        return Parts(
            scheme: String(decoding: UnsafeBufferPointer(rebasing: bytes[0..<schemeEnd]), as: UTF8.self).lowercased(),
            authority: String(decoding: authorityBytes, as: UTF8.self),
            pathAndQuery: pathBytes.isEmpty || pathBytes[0] == UInt8(ascii: "?") ? "/" + String(decoding: pathBytes, as: UTF8.self)
                                                                                 : String(decoding: pathBytes, as: UTF8.self)
        )
    }

    /// Skips the bytes RFC 3986 allows in a path, query or fragment (pchar, `/`, `?`, escapes
    /// with two hex digits) from `start`: the index of the first `#` when `stoppingAtFragment`,
    /// else of the end; `nil` at any other byte.
    private static func scanPathCharacters(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, stoppingAtFragment: Bool) -> Int? {
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "#"), stoppingAtFragment { return index }
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, URLBytes.isHexDigit(bytes[index + 1]), URLBytes.isHexDigit(bytes[index + 2]) else { return nil }
                index += 3
                continue
            }
            guard URLBytes.isUnreserved(byte) || URLBytes.isSubDelimiter(byte) || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "@")
                    || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") else { return nil }
            index += 1
        }
        return index
    }
}
