import FoundationEssentials

/// The one retry loop of the toolchain: backoff with jitter (`RetryPolicy`), the server's
/// `Retry-After` (one longer than the policy allows is not waited for: that answer is
/// returned), an optional overall deadline (a wait that would pass it ends the loop at once),
/// and no retry after a TLS failure (a certificate does not heal by waiting).
///
/// `exchange` runs any attempt — one request, or the registry session's request with its
/// redirects; `send` is the form for callers that talk to one fixed URL (the dashboard
/// registration, the site-spec fetch).
public struct RetryingSender: Sendable {
    public enum Outcome: Sendable {
        /// The last response: one `shouldRetry` declined, the last attempt's, or one whose
        /// `Retry-After` asked for a longer wait than the policy allows.
        case answered(HTTPResponse, attempts: Int)
        /// The deadline, a transport failure or cancellation ended it; with the last transport
        /// failure or the last (retryable) response, when there was one.
        case failed(TransportError?, lastResponse: HTTPResponse?, attempts: Int, deadlinePassed: Bool)
    }

    /// What made the loop try again, for the caller's log.
    public enum Retry: Sendable {
        case transportFailed(TransportError, attempt: Int)
        case answered(HTTPResponse, attempt: Int, retryAfter: Duration?)
    }

    public let policy: RetryPolicy
    /// A value in 0...1 for the jitter; tests pass a seeded one.
    public let unitRandom: @Sendable () -> Double

    public init(policy: RetryPolicy, unitRandom: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }) {
        self.policy = policy
        self.unitRandom = unitRandom
    }

    /// A transport timeout this close to the deadline is the deadline's doing.
    static let deadlineSlack: Duration = .milliseconds(50)

    /// Runs `attempt` (given the time left, nil without a deadline) until an answer that
    /// `shouldRetry` declines, the attempts run out, or `end` passes. A `TransportError` from
    /// `attempt` counts as a failed attempt; any other error ends the loop and is rethrown.
    public func exchange(until end: ContinuousClock.Instant?,
                         attempt: (_ remaining: Duration?) async throws -> HTTPResponse,
                         shouldRetry: (HTTPResponse) -> Bool,
                         onRetry: (Retry) -> Void = { _ in }) async throws -> Outcome {
        var number = 0
        var lastError: TransportError?
        var lastResponse: HTTPResponse?
        while true {
            number += 1
            let remaining = end.map { ContinuousClock.now.duration(to: $0) }
            if let remaining, remaining <= .zero {
                return .failed(lastError, lastResponse: lastResponse, attempts: number - 1, deadlinePassed: true)
            }
            var retryAfter: Duration?
            do {
                let response = try await attempt(remaining)
                guard shouldRetry(response), number < policy.maxAttempts else { return .answered(response, attempts: number) }
                retryAfter = response.headers["Retry-After"].flatMap { RetryAfter.parse($0) }
                if let retryAfter, retryAfter > policy.maxRetryAfter { return .answered(response, attempts: number) }
                lastResponse = response
                lastError = nil
                onRetry(.answered(response, attempt: number, retryAfter: retryAfter))
            } catch let error as TransportError {
                lastError = error
                lastResponse = nil
                guard error.isRetryable, number < policy.maxAttempts else {
                    let atDeadline = error.kind == .timedOut && end.map { ContinuousClock.now >= $0 - Self.deadlineSlack } == true
                    return .failed(error, lastResponse: nil, attempts: number, deadlinePassed: atDeadline)
                }
                onRetry(.transportFailed(error, attempt: number))
            }
            let delay = policy.delay(afterAttempt: number, retryAfter: retryAfter, unitRandom: unitRandom)
            if let end, ContinuousClock.now + delay >= end {
                return .failed(lastError, lastResponse: lastResponse, attempts: number, deadlinePassed: true)
            }
            do { try await Task.sleep(for: delay) } catch {
                return .failed(lastError, lastResponse: lastResponse, attempts: number, deadlinePassed: false)
            }
        }
    }

    /// Sends the request `request` builds for each attempt (from the time left) over
    /// `transport`, within `deadline` from now when there is one. A transport that throws
    /// something other than `TransportError` (it should not) counts as a failed attempt;
    /// cancellation ends the loop as a failure.
    public func send(over transport: any HTTPTransport, deadline: Duration? = nil,
                     _ request: (Duration?) -> HTTPRequest,
                     shouldRetry: (HTTPResponse) -> Bool) async -> Outcome {
        let attempt: (Duration?) async throws -> HTTPResponse = { remaining in
            do { return try await transport.send(request(remaining)) }
            catch let error as TransportError { throw error }
            catch { throw TransportError(.other, "\(error)") }
        }
        do {
            return try await exchange(until: deadline.map { ContinuousClock.now + $0 }, attempt: attempt, shouldRetry: shouldRetry)
        } catch {
            return .failed(TransportError(.other, "\(error)"), lastResponse: nil, attempts: 0, deadlinePassed: false)
        }
    }
}
