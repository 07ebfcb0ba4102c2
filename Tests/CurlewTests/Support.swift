import Curlew
import CurlewTestSupport
import HTTPTypes

/// A client configured to trust the test CA, for tests that shut it down themselves.
func makeClient(_ nginx: Nginx, _ configure: (inout HTTPClientConfiguration) -> Void = { _ in }) throws -> HTTPClient {
    var configuration = HTTPClientConfiguration()
    configuration.tls.caFile = nginx.certificates.caCertificate
    configuration.proxy = .none
    configure(&configuration)
    return try HTTPClient(configuration: configuration)
}

extension HTTPClientResponse {
    /// The whole body as text.
    func text(upTo limit: Int = 1 << 24) async throws -> String {
        String(decoding: try await body.collect(upTo: limit), as: UTF8.self)
    }
}

/// Expects `body` to throw an `HTTPClientError` and returns it.
func httpError(_ body: () async throws -> Void) async -> HTTPClientError? {
    do {
        try await body()
        return nil
    } catch {
        return error as? HTTPClientError
    }
}
