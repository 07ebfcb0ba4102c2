/// Credentials for a request, sent by libcurl (`CURLOPT_HTTPAUTH`, `CURLOPT_USERNAME`,
/// `CURLOPT_PASSWORD`, `CURLOPT_XOAUTH2_BEARER`). They go only to the request's own origin
/// (scheme, host and port): a redirect to another origin goes without them, and without an
/// `Authorization` field the caller set.
public enum HTTPClientAuthentication: Sendable, Hashable {
    /// Basic (RFC 7617), sent with the first request.
    case basic(username: String, password: String)
    /// Digest (RFC 7616): libcurl answers the server's 401 challenge, so a body is sent again
    /// (a stream body cannot be: use bytes or a file).
    case digest(username: String, password: String)
    /// NTLM, over one connection, with libcurl answering the challenge (needs a libcurl with
    /// NTLM, ``HTTPClientError/Kind/unsupported`` otherwise).
    case ntlm(username: String, password: String)
    /// Whichever of basic, digest and NTLM the server offers, the strongest first (libcurl's
    /// `CURLAUTH_ANY`): the first request goes without credentials.
    case any(username: String, password: String)
    /// `Authorization: Bearer <token>` (RFC 6750).
    case bearer(token: String)
}

extension HTTPClientAuthentication {
    /// Whether libcurl answers a 401 challenge with these credentials and sends the request
    /// again (digest, NTLM, any); basic and bearer go with the first request.
    var answersChallenges: Bool {
        switch self {
        case .digest, .ntlm, .any: return true
        case .basic, .bearer: return false
        }
    }

    /// Checks the credentials can be sent: no control characters, and a user name without `:`
    /// for basic (where it would split the credentials).
    func validate() throws(HTTPClientError) {
        switch self {
        case .basic(let username, let password), .digest(let username, let password),
             .ntlm(let username, let password), .any(let username, let password):
            guard !username.isEmpty else { throw .invalidRequest("the user name is empty") }
            guard FieldValue.isValid(username), FieldValue.isValid(password) else {
                throw .invalidRequest("the user name or password holds a control character")
            }
            if case .basic = self, username.contains(":") {
                throw .invalidRequest("a user name for basic authentication cannot hold a colon")
            }
        case .bearer(let token):
            guard !token.isEmpty, FieldValue.isValid(token), !token.contains(" ") else {
                throw .invalidRequest("the bearer token is empty or holds a space or control character")
            }
        }
    }
}
