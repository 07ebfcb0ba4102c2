/// Durations on their way to libcurl's `long` milliseconds: checked where they enter, clamped
/// where they are converted, so that no value traps (`Int(Double.infinity)`, an overflowing
/// multiplication) on the caller's thread or the loop's.
enum TimeLimit {
    /// The longest limit passed to libcurl: 1,000 days, in milliseconds. Longer ones (and
    /// `.infinity`) mean "no practical limit" and are clamped to it, far below where libcurl's
    /// own arithmetic on `now + timeout` could overflow.
    static let maxMilliseconds = 1_000 * 86_400_000

    /// Checks a configuration's seconds: not NaN, not negative, not zero unless `allowsZero`.
    /// `.infinity` is allowed and means no practical limit.
    static func check(_ seconds: Double, _ field: String, allowsZero: Bool = false) throws(HTTPClientError) {
        guard !seconds.isNaN, seconds > 0 || (allowsZero && seconds == 0) else {
            throw .invalidConfiguration(field, "must be a number of seconds \(allowsZero ? "of 0 or more" : "above 0"), not \(seconds)")
        }
    }

    /// Checked seconds (see ``check(_:_:allowsZero:)``) as milliseconds, rounded up, clamped.
    static func milliseconds(_ seconds: Double) -> Int {
        let milliseconds = (seconds * 1000).rounded(.up)
        return milliseconds >= Double(maxMilliseconds) ? maxMilliseconds : max(0, Int(milliseconds))
    }

    /// Checked seconds as whole seconds, rounded up, clamped (for `CURLOPT_LOW_SPEED_TIME`).
    static func seconds(_ seconds: Double) -> Int {
        max(1, (milliseconds(seconds) + 999) / 1000)
    }

    /// A request's own timeout as milliseconds, rounded up and clamped.
    /// - Throws: ``HTTPClientError/Kind/invalidRequest`` for zero or a negative duration.
    static func milliseconds(_ duration: Duration) throws(HTTPClientError) -> Int {
        let (seconds, attoseconds) = duration.components
        guard seconds > 0 || (seconds == 0 && attoseconds > 0) else {
            throw .invalidRequest("the timeout must be above zero, not \(duration)")
        }
        let maxSeconds = Int64(maxMilliseconds / 1000)
        guard seconds < maxSeconds else { return maxMilliseconds }
        let fraction = (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000  // up to whole ms
        return Int(seconds) * 1000 + Int(fraction)
    }

    /// A grace period as seconds for an `ev_timer`: negative is 0, huge is clamped.
    static func graceSeconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return min(Double(maxMilliseconds / 1000), Double(seconds) + Double(attoseconds) / 1e18)
    }
}
