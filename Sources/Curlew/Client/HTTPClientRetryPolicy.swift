internal import Foundation

/// When and how a request is sent again: opt-in, per client
/// (``HTTPClientConfiguration/retry``) or per request (``HTTPClientRequestOptions/retry``).
///
/// A request is retried when it failed before any response arrived with one of
/// ``retryableErrors`` (a refused or dropped connection), or when its response's status is one
/// of ``retryableStatuses`` (429, 503): after a backoff that grows by ``multiplier`` from
/// ``initialBackoff`` to at most ``maxBackoff``, less up to ``jitter`` of it at random, or after
/// the response's `Retry-After` when it gives one (a response asking for more than
/// ``maxRetryAfter`` is returned as it is). Only idempotent methods (GET, HEAD, PUT, DELETE,
/// OPTIONS, TRACE) are retried unless ``retriesNonIdempotentRequests``; a stream body is never
/// sent twice (the failure's detail says so). ``HTTPClientResponse/attempts`` counts the
/// attempts made.
public struct HTTPClientRetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included: 1 means no retry.
    public var maxAttempts: Int
    /// The wait before the first retry.
    public var initialBackoff: Duration = .milliseconds(100)
    /// The longest wait between attempts.
    public var maxBackoff: Duration = .seconds(5)
    /// What each wait is multiplied by for the next.
    public var multiplier: Double = 2
    /// The fraction of each wait taken off at random (0 to 1), so that clients that failed
    /// together do not retry together.
    public var jitter: Double = 0.5
    /// Failures, before any response byte, that are retried.
    public var retryableErrors: Set<HTTPClientError.Kind> = [.connectionRefused, .networkError]
    /// Response statuses that are retried.
    public var retryableStatuses: Set<Int> = [429, 503]
    /// The longest `Retry-After` honoured; a response asking for more is returned.
    public var maxRetryAfter: Duration = .seconds(30)
    /// Retry POST, PATCH and other non-idempotent methods too (the server may have acted on
    /// an attempt whose response was lost).
    public var retriesNonIdempotentRequests = false

    /// A policy of up to `maxAttempts` attempts, with the defaults above.
    public init(maxAttempts: Int = 3) {
        self.maxAttempts = maxAttempts
    }

    /// No retries.
    public static let disabled = HTTPClientRetryPolicy(maxAttempts: 1)

    func validate(_ field: String) throws(HTTPClientError) {
        guard maxAttempts >= 1 else { throw .invalidConfiguration(field, "maxAttempts must be 1 or more, not \(maxAttempts)") }
        guard initialBackoff >= .zero, maxBackoff >= .zero, maxRetryAfter >= .zero else {
            throw .invalidConfiguration(field, "backoffs and maxRetryAfter must be 0 or more")
        }
        guard multiplier.isFinite, multiplier >= 1 else { throw .invalidConfiguration(field, "multiplier must be finite and 1 or more") }
        guard (0...1).contains(jitter) else { throw .invalidConfiguration(field, "jitter must be between 0 and 1") }
    }

    /// The wait before attempt `attempt + 1` (attempt 1 is the first).
    func backoff(after attempt: Int) -> Duration {
        let base = TimeLimit.graceSeconds(initialBackoff), cap = TimeLimit.graceSeconds(maxBackoff)
        let grown = min(cap, base * pow(multiplier, Double(max(0, attempt - 1))))
        let jittered = grown * (1 - jitter * Double.random(in: 0..<1))
        return .nanoseconds(Int64(max(0, jittered) * 1e9))
    }
}
