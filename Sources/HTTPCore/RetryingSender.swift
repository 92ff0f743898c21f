import FoundationEssentials
/// Sends one request with retries: backoff with jitter (`RetryPolicy`), the server's
/// `Retry-After`, an optional overall deadline, and no retry after a TLS failure (a
/// certificate does not heal by waiting). For callers that talk to one fixed URL — the
/// dashboard registration and the site-spec fetch; the registry session has its own loop
/// because it also follows redirects and re-authenticates.
public struct RetryingSender: Sendable {
    public enum Outcome: Sendable {
        /// The last response: one `shouldRetry` declined, or the last attempt's.
        case answered(HTTPResponse, attempts: Int)
        /// The deadline, a transport failure or cancellation ended it; with the last transport
        /// failure and the last (retryable) response, when there were any.
        case failed(TransportError?, lastResponse: HTTPResponse?, attempts: Int, deadlinePassed: Bool)
    }

    public let transport: any HTTPTransport
    public let policy: RetryPolicy
    public let deadline: Duration?

    public init(transport: any HTTPTransport, policy: RetryPolicy, deadline: Duration? = nil) {
        self.transport = transport
        self.policy = policy
        self.deadline = deadline
    }

    /// `request` builds each attempt's request from the time left (nil without a deadline).
    /// Cancellation ends the loop as a failure.
    public func send(_ request: (Duration?) -> HTTPRequest, shouldRetry: (HTTPResponse) -> Bool) async -> Outcome {
        let end = deadline.map { ContinuousClock.now + $0 }
        var attempt = 0
        var lastError: TransportError?
        var lastResponse: HTTPResponse?
        while true {
            attempt += 1
            let remaining = end.map { ContinuousClock.now.duration(to: $0) }
            if let remaining, remaining <= .zero { return .failed(lastError, lastResponse: lastResponse, attempts: attempt - 1, deadlinePassed: true) }
            var retryAfter: Duration?
            do {
                let response = try await transport.send(request(remaining))
                guard shouldRetry(response), attempt < policy.maxAttempts else { return .answered(response, attempts: attempt) }
                lastResponse = response
                lastError = nil
                retryAfter = response.headers["Retry-After"].flatMap { RetryAfter.parse($0) }
            } catch let error as TransportError {
                lastError = error
                lastResponse = nil
                guard error.kind != .tls, attempt < policy.maxAttempts else { return .failed(error, lastResponse: nil, attempts: attempt, deadlinePassed: false) }
            } catch {
                return .failed(lastError, lastResponse: lastResponse, attempts: attempt, deadlinePassed: false)
            }
            var delay = policy.delay(afterAttempt: attempt, retryAfter: retryAfter, unitRandom: { Double.random(in: 0...1) })
            if let end { delay = min(delay, max(ContinuousClock.now.duration(to: end), .zero)) }
            do { try await Task.sleep(for: delay) } catch { return .failed(lastError, lastResponse: lastResponse, attempts: attempt, deadlinePassed: false) }
        }
    }
}
