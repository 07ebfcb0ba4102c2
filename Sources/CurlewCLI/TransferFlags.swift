import ArgumentParser
import Curlew
import Foundation

/// `get`'s flags for credentials, cookies, forms, uploads and retries, spelt as curl spells them.
struct TransferFlags: ParsableArguments {
    @Option(name: [.customShort("u"), .customLong("user")], help: "Credentials, \"user:password\" (basic unless --digest or --ntlm).")
    var user: String?

    @Flag(name: .customLong("digest"), help: "Use digest authentication with -u.")
    var digest = false

    @Flag(name: .customLong("ntlm"), help: "Use NTLM authentication with -u.")
    var ntlm = false

    @Flag(name: .customLong("anyauth"), help: "Use whichever authentication the server offers with -u.")
    var anyAuth = false

    @Option(name: .customLong("oauth2-bearer"), help: "Send this bearer token.")
    var bearer: String?

    @Option(name: [.customShort("b"), .customLong("cookie")], help: "Cookies from this Netscape-format file, or \"name=value; …\" to send.")
    var cookie: String?

    @Option(name: [.customShort("c"), .customLong("cookie-jar")], help: "Write the cookies to this file after the requests.")
    var cookieJar: String?

    @Option(name: [.customShort("F"), .customLong("form")], help: "A multipart form part: name=value, name=@file[;type=mime][;filename=name], or name=<file; repeatable.")
    var form: [String] = []

    @Option(name: [.customShort("T"), .customLong("upload-file")], help: "PUT this file, streamed from disk.")
    var uploadFile: String?

    @Option(name: .customLong("retry"), help: "Retry up to this many times on a transient failure (a connection failure, timeout, 408, 429, 500, 502, 503, 504).")
    var retry: Int?

    func validate() throws {
        if [digest, ntlm, anyAuth].filter({ $0 }).count > 1 { throw ValidationError("choose one of --digest, --ntlm and --anyauth") }
        if (digest || ntlm || anyAuth) && user == nil { throw ValidationError("--digest, --ntlm and --anyauth need -u user:password") }
        if user != nil && bearer != nil { throw ValidationError("give -u or --oauth2-bearer, not both") }
        if let user, !user.contains(":") { throw ValidationError("-u takes \"user:password\"") }
        if !form.isEmpty && uploadFile != nil { throw ValidationError("give -F or -T, not both") }
        for part in form where !part.contains("=") { throw ValidationError("a form part must look like name=value: \(part)") }
        if let retry, retry < 0 { throw ValidationError("--retry takes 0 or more") }
    }

    /// Whether a body comes from these flags.
    var hasBody: Bool { !form.isEmpty || uploadFile != nil }

    /// The jar, when -b names a file or -c is given; a `Cookie` field's value when -b gives one.
    func cookies() throws -> (jar: HTTPCookieJar?, field: String?) {
        var jar: HTTPCookieJar?
        var field: String?
        if let cookie {
            if cookie.contains("=") && !FileManager.default.fileExists(atPath: cookie) {
                field = cookie
            } else {
                jar = try HTTPCookieJar(contentsOfFile: cookie)
            }
        }
        if cookieJar != nil && jar == nil { jar = HTTPCookieJar() }
        return (jar, field)
    }

    /// Applies credentials, retries and the cookie jar to `configuration`.
    func apply(to configuration: inout HTTPClientConfiguration, jar: HTTPCookieJar?) {
        if let user {
            let parts = user.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let username = String(parts[0]), password = parts.count > 1 ? String(parts[1]) : ""
            configuration.authentication = digest ? .digest(username: username, password: password)
                : ntlm ? .ntlm(username: username, password: password)
                : anyAuth ? .any(username: username, password: password)
                : .basic(username: username, password: password)
        }
        if let bearer { configuration.authentication = .bearer(token: bearer) }
        if let retry, retry > 0 {
            var policy = HTTPClientRetryPolicy(maxAttempts: retry + 1)
            policy.initialBackoff = .seconds(1)
            policy.maxBackoff = .seconds(10)
            policy.retryableErrors = [.connectionRefused, .networkError, .timeout]
            policy.retryableStatuses = [408, 429, 500, 502, 503, 504]
            configuration.retry = policy
        }
        configuration.cookies = jar
    }

    /// The body of -F or -T, if either is given.
    func body() throws -> HTTPClientRequestBody? {
        if let uploadFile { return try .file(uploadFile) }
        guard !form.isEmpty else { return nil }
        var multipart = MultipartForm()
        for part in form {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
            if value.hasPrefix("@") {
                var pieces = value.dropFirst().split(separator: ";").map(String.init)
                let path = pieces.isEmpty ? "" : pieces.removeFirst()
                var type: String?, filename: String?
                for piece in pieces {
                    if piece.hasPrefix("type=") { type = String(piece.dropFirst(5)) }
                    if piece.hasPrefix("filename=") { filename = String(piece.dropFirst(9)) }
                }
                try multipart.appendFile(name, path: path, filename: filename, contentType: type)
            } else if value.hasPrefix("<") {
                let path = String(value.dropFirst())
                guard let contents = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
                multipart.append(name, String(decoding: contents, as: UTF8.self))
            } else {
                multipart.append(name, value)
            }
        }
        return .multipart(multipart)
    }
}
