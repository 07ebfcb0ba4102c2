internal import HTTPTypes
internal import Logging
internal import Foundation

extension HTTPClient {
    /// Methods that may be sent twice without changing what the first did (RFC 9110 §9.2.2).
    static let idempotentMethods: Set<HTTPRequest.Method> = [.get, .head, .put, .delete, .options, .trace]

    /// A request under a retry policy of more than one attempt: see ``HTTPClientRetryPolicy``.
    nonisolated(nonsending) func executeRetrying(_ retrying: RetryingRequest) async throws -> HTTPClientResponse {
        let request = retrying.request, body = retrying.body, logger = retrying.logger, id = retrying.id
        let policy = retryPolicy(retrying.options)
        let methodAllows = policy.retriesNonIdempotentRequests || Self.idempotentMethods.contains(request.method)
        var attempt = 1
        while true {
            let outcome: Result<HTTPClientResponse, HTTPClientError>
            do {
                outcome = .success(try await self.attempt(retrying, priorAttempts: attempt - 1))
            } catch let error as HTTPClientError {
                outcome = .failure(error)
            }
            let delay: Duration
            var reason: String
            switch outcome {
            case .success(var response):
                response.attempts = attempt
                let status = response.status.code
                guard attempt < policy.maxAttempts, policy.retryableStatuses.contains(status), methodAllows, body.isReplayable else {
                    return response
                }
                let backoff = policy.backoff(after: attempt)
                if let retryAfter = Self.retryAfter(response.headerFields[.retryAfter]) {
                    // A server asking for longer than the cap gets its answer back, not a wait.
                    guard retryAfter <= policy.maxRetryAfter else { return response }
                    delay = retryAfter
                } else {
                    delay = backoff
                }
                reason = "status \(status)"
                await Self.discard(response.body)
            case .failure(let error):
                guard attempt < policy.maxAttempts, policy.retryableErrors.contains(error.kind) else {
                    throw attempt > 1 ? Self.annotated(error, "after \(attempt) attempts") : error
                }
                guard methodAllows else {
                    throw Self.annotated(error, "not retried: \(request.method.rawValue) is not idempotent (retriesNonIdempotentRequests is off)")
                }
                guard body.isReplayable else {
                    throw Self.annotated(error, "not retried: the request body is a stream, which is read once (send bytes or a file to retry)")
                }
                delay = policy.backoff(after: attempt)
                reason = error.kind.rawValue
            }
            reason += "; attempt \(attempt + 1) of \(policy.maxAttempts) in \(delay)"
            logger?.info("retrying request", metadata: ["url": "\(request.scheme ?? "")://\(request.authority ?? "")\(request.path ?? "")",
                                                        "reason": "\(reason)", "curlew.request.id": "\(id)"])
            do {
                try await Task.sleep(for: delay)
            } catch {
                throw HTTPClientError.cancelled
            }
            attempt += 1
        }
    }

    /// The wait a `Retry-After` field asks for: whole seconds, or an HTTP date (RFC 9110 §10.2.3).
    static func retryAfter(_ value: String?) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int64(value) { return seconds >= 0 ? .seconds(seconds) : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .milliseconds(Int64(max(0, date.timeIntervalSinceNow) * 1000))
    }

    /// Reads and drops a small body so its connection can be reused; a large one is dropped
    /// unread (which closes its connection).
    private static func discard(_ body: ResponseBody) async {
        var read = 0
        do {
            for try await chunk in body {
                read += chunk.count
                if read > 64 << 10 { return }
            }
        } catch {}
    }

    private static func annotated(_ error: HTTPClientError, _ note: String) -> HTTPClientError {
        HTTPClientError(error.kind, error.message, detail: error.detail.isEmpty ? note : "\(error.detail); \(note)",
                        curlCode: error.curlCode, underlyingError: error.underlyingError)
    }
}
