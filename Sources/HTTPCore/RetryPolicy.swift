import Basics
import FoundationEssentials

/// When and how long to wait before trying a request again.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// A `Retry-After` longer than this is not waited for: the request fails instead.
    public var maxRetryAfter: Duration

    public init(maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(10), maxRetryAfter: Duration = .seconds(120)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// 429 and 5xx are worth another try (but not 501 Not Implemented or 505); 401, 403 and 404
    /// are answers, not faults.
    public static func isRetryable(status: Int) -> Bool {
        status == 429 || status == 408 || ((500...599).contains(status) && status != 501 && status != 505)
    }

    /// The wait after failed attempt number `attempt` (1-based): exponential backoff with
    /// "equal jitter" (half fixed, half random), or the server's `Retry-After` when it gave one.
    /// `unitRandom` returns a value in 0...1.
    public func delay(afterAttempt attempt: Int, retryAfter: Duration?, unitRandom: () -> Double) -> Duration {
        if let retryAfter {
            return min(max(retryAfter, .zero), maxRetryAfter)
        }
        let exponent = min(max(attempt - 1, 0), 30)
        let ceiling = min(baseDelay * Double(1 << exponent), maxDelay)
        let random = min(max(unitRandom(), 0), 1)
        return ceiling / 2 + (ceiling / 2) * random
    }
}

/// `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
public enum RetryAfter {
    public static func parse(_ value: String, now: Date = Date()) -> Duration? {
        let trimmed = value.trimmed
        if let seconds = Int(trimmed), seconds >= 0 {
            return .seconds(seconds)
        }
        if let date = Timestamp.parseHTTPDate(trimmed) {
            let interval = date.timeIntervalSince(now)
            return .milliseconds(Int64(max(interval, 0) * 1000))
        }
        return nil
    }
}
