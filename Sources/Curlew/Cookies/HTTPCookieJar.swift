internal import CurlewLocks
internal import Foundation

/// One client's cookies, whatever its number of loops: set ``HTTPClientConfiguration/cookies``
/// to use one. libcurl's own engine does the protocol work (parsing `Set-Cookie`, domain, path,
/// `Secure` and expiry rules, choosing what to send); the jar holds the cookies between
/// requests, in Swift, under a lock.
///
/// Why not libcurl's shared cookie store: sharing cookies through a share handle across
/// threads is not supported by libcurl (curl PR #10732, issues #16838, #17774), and each loop
/// is a thread. So each request that uses cookies gets the jar's cookies fed into its own
/// handle's engine when it starts (`CURLOPT_COOKIELIST`), and when it ends the cookies its
/// handle then knows (`CURLINFO_COOKIELIST`) are merged back: new and changed ones stored,
/// ones the server deleted removed, each change keyed by domain, path and name so that two
/// requests in flight at once lose neither's changes.
///
/// Load and save in the Netscape format curl and browsers' exporters write:
/// ```swift
/// let jar = try HTTPCookieJar(contentsOfFile: "cookies.txt")
/// var configuration = HTTPClientConfiguration()
/// configuration.cookies = jar
/// // … requests …
/// try jar.save(toFile: "cookies.txt")
/// ```
public final class HTTPCookieJar: Sendable {
    /// One cookie, as a line of a Netscape cookie file holds it.
    public struct Cookie: Sendable, Hashable {
        /// The host (or domain, when ``includesSubdomains``) it belongs to.
        public var domain: String
        /// Whether subdomains of ``domain`` get it too.
        public var includesSubdomains: Bool
        /// The path prefix it is sent for.
        public var path: String
        /// Whether it is sent over https only.
        public var isSecure: Bool
        /// Whether it was set `HttpOnly`.
        public var isHTTPOnly: Bool
        /// When it expires, in seconds since 1970; 0 for a session cookie.
        public var expires: Int64
        /// Its name.
        public var name: String
        /// Its value.
        public var value: String

        public init(domain: String, includesSubdomains: Bool = false, path: String = "/", isSecure: Bool = false,
                    isHTTPOnly: Bool = false, expires: Int64 = 0, name: String, value: String) {
            self.domain = domain
            self.includesSubdomains = includesSubdomains
            self.path = path
            self.isSecure = isSecure
            self.isHTTPOnly = isHTTPOnly
            self.expires = expires
            self.name = name
            self.value = value
        }

        /// The cookie of a Netscape-format line, or `nil` for a comment, a blank or a bad line.
        init?(netscapeLine line: Substring) {
            var text = line
            var httpOnly = false
            if text.hasPrefix("#HttpOnly_") {
                httpOnly = true
                text = text.dropFirst("#HttpOnly_".count)
            } else if text.hasPrefix("#") {
                return nil
            }
            let fields = text.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 7 || fields.count == 6, !fields[0].isEmpty, let expires = Int64(fields[4]) else { return nil }
            self.init(domain: String(fields[0]), includesSubdomains: fields[1].uppercased() == "TRUE", path: String(fields[2]),
                      isSecure: fields[3].uppercased() == "TRUE", isHTTPOnly: httpOnly, expires: expires,
                      name: String(fields[5]), value: fields.count == 7 ? String(fields[6]) : "")
        }

        /// The line of a Netscape cookie file.
        var netscapeLine: String {
            let flag = { (value: Bool) in value ? "TRUE" : "FALSE" }
            return "\(isHTTPOnly ? "#HttpOnly_" : "")\(domain)\t\(flag(includesSubdomains))\t\(path)\t\(flag(isSecure))\t\(expires)\t\(name)\t\(value)"
        }

        /// Whether it can be sent: no tab or line break would split its line.
        var isWellFormed: Bool {
            ![domain, path, name, value].contains { $0.contains { $0 == "\t" || $0 == "\n" || $0 == "\r" } }
        }

        func isExpired(at now: Int64) -> Bool { expires != 0 && expires <= now }

        /// What identifies it: a cookie with the same key replaces it.
        var key: Key { Key(domain: domain.lowercased(), path: path, name: name) }
    }

    struct Key: Hashable, Sendable {
        var domain: String
        var path: String
        var name: String
    }

    private struct Storage: Sendable {
        var cookies: [Key: Cookie] = [:]
        /// The order cookies were first stored in, for a stable file.
        var order: [Key: Int] = [:]
        var next = 0

        mutating func store(_ cookie: Cookie) {
            let key = cookie.key
            if order[key] == nil {
                order[key] = next
                next += 1
            }
            cookies[key] = cookie
        }

        mutating func remove(_ key: Key) {
            cookies[key] = nil
            order[key] = nil
        }
    }

    private let storage = Locked(Storage())

    /// An empty jar.
    public init() {}

    /// A jar holding the cookies of the Netscape-format file at `path` (expired ones dropped).
    /// - Throws: ``HTTPClientError/Kind/fileError`` when the file cannot be read.
    public convenience init(contentsOfFile path: String) throws(HTTPClientError) {
        self.init()
        try load(fromFile: path)
    }

    /// Adds the cookies of the Netscape-format file at `path`, replacing those of the same
    /// domain, path and name; expired ones and lines that are not cookies are skipped.
    /// - Throws: ``HTTPClientError/Kind/fileError`` when the file cannot be read.
    public func load(fromFile path: String) throws(HTTPClientError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw HTTPClientError(.fileError, "cannot read the cookie file \(path.debugDescription)", detail: "\(error)")
        }
        let now = Self.now()
        let cookies = String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .compactMap { Cookie(netscapeLine: $0) }
            .filter { !$0.isExpired(at: now) }
        storage.withLock { storage in
            for cookie in cookies { storage.store(cookie) }
        }
    }

    /// Writes the jar's unexpired cookies to `path` in the Netscape format, replacing the file
    /// whole (written to a temporary name beside it, then renamed).
    /// - Throws: ``HTTPClientError/Kind/fileError`` when the file cannot be written.
    public func save(toFile path: String) throws(HTTPClientError) {
        var text = "# Netscape HTTP Cookie File\n# Written by Curlew. Edit at your own risk.\n\n"
        for cookie in cookies { text += cookie.netscapeLine + "\n" }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw HTTPClientError(.fileError, "cannot write the cookie file \(path.debugDescription)", detail: "\(error)")
        }
    }

    /// The unexpired cookies, in the order they were first stored.
    public var cookies: [Cookie] {
        let now = Self.now()
        return storage.withLock { storage in
            storage.cookies.values.filter { !$0.isExpired(at: now) }.sorted { storage.order[$0.key, default: 0] < storage.order[$1.key, default: 0] }
        }
    }

    /// Stores `cookie`, replacing one of the same domain, path and name.
    public func set(_ cookie: Cookie) {
        storage.withLock { $0.store(cookie) }
    }

    /// Removes every cookie.
    public func removeAll() {
        storage.withLock { $0 = Storage() }
    }

    // MARK: - Transfers

    /// The cookies to feed a transfer's handle: unexpired and well-formed ones.
    func cookiesToSend() -> [Cookie] {
        let now = Self.now()
        return storage.withLock { storage in
            storage.cookies.values.filter { !$0.isExpired(at: now) && $0.isWellFormed }
        }
    }

    /// Takes back what a transfer's handle knows at its end (`received`, Netscape lines) after
    /// it was given `sent`: cookies new or changed are stored; cookies it was given and no longer
    /// has (deleted or expired by the server) are removed, unless another transfer changed them
    /// in the meantime.
    func merge(sent: [Cookie], received lines: [String]) {
        let received = lines.compactMap { Cookie(netscapeLine: Substring($0)) }
        var sentByKey: [Key: Cookie] = [:]
        for cookie in sent { sentByKey[cookie.key] = cookie }
        let receivedKeys = Set(received.map(\.key))
        let now = Self.now()
        storage.withLock { storage in
            for cookie in received where sentByKey[cookie.key] != cookie {
                if cookie.isExpired(at: now) { storage.remove(cookie.key) } else { storage.store(cookie) }
            }
            for (key, cookie) in sentByKey where !receivedKeys.contains(key) && storage.cookies[key] == cookie {
                storage.remove(key)
            }
        }
    }

    private static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
