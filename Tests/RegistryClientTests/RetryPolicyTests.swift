import Foundation
import HTTPCore
import Testing
@testable import RegistryClient

@Suite struct RetryPolicyTests {
    @Test(arguments: [(429, true), (408, true), (500, true), (502, true), (503, true), (504, true),
                      (501, false), (505, false), (400, false), (401, false), (403, false), (404, false), (200, false)])
    func retryableStatuses(status: Int, retryable: Bool) {
        #expect(RetryPolicy.isRetryable(status: status) == retryable)
    }

    @Test func backoffGrowsExponentiallyWithEqualJitterAndIsCapped() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, unitRandom: { 0 }) == .milliseconds(50))
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, unitRandom: { 1 }) == .milliseconds(100))
        #expect(policy.delay(afterAttempt: 2, retryAfter: nil, unitRandom: { 1 }) == .milliseconds(200))
        #expect(policy.delay(afterAttempt: 3, retryAfter: nil, unitRandom: { 0.5 }) == .milliseconds(300))
        #expect(policy.delay(afterAttempt: 8, retryAfter: nil, unitRandom: { 1 }) == .seconds(1))
        #expect(policy.delay(afterAttempt: 40, retryAfter: nil, unitRandom: { 1 }) == .seconds(1))
    }

    @Test func retryAfterWinsOverBackoffAndIsCapped() {
        let policy = RetryPolicy(maxRetryAfter: .seconds(30))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(7), unitRandom: { 0 }) == .seconds(7))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(600), unitRandom: { 0 }) == .seconds(30))
    }

    @Test(arguments: [("0", 0), ("5", 5_000), (" 12 ", 12_000)])
    func retryAfterSeconds(text: String, milliseconds: Int64) {
        #expect(RetryAfter.parse(text) == .milliseconds(milliseconds))
    }

    @Test(arguments: [
        "Sun, 06 Nov 1994 08:49:37 GMT",   // IMF-fixdate
        "Sunday, 06-Nov-94 08:49:37 GMT",  // RFC 850
        "Sun Nov  6 08:49:37 1994",        // asctime
    ])
    func retryAfterHTTPDates(text: String) throws {
        let now = Date(timeIntervalSince1970: 784_111_767) // 08:49:27 GMT, ten seconds before
        #expect(RetryAfter.parse(text, now: now) == .seconds(10))
    }

    @Test func retryAfterInThePastMeansNow() {
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: Date()) == .zero)
    }

    @Test(arguments: ["soon", "-3", "", "Sun, 99 Nov 1994 08:49:37 GMT"])
    func unparseableRetryAfterIsIgnored(text: String) {
        #expect(RetryAfter.parse(text) == nil)
    }
}

/// `RetryingSender` over a scripted transport: what it retries, what ends it.
@Suite struct RetryingSenderTests {
    actor Script: HTTPTransport {
        var steps: [Result<Int, TransportError>]
        var sent = 0
        init(_ steps: [Result<Int, TransportError>]) { self.steps = steps }
        func send(_ request: HTTPRequest) async throws -> HTTPResponse {
            sent += 1
            switch steps.removeFirst() {
            case .success(let status): return HTTPResponse(status: status, headers: HTTPHeaders(), body: [])
            case .failure(let error): throw error
            }
        }
    }

    static let fast = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2))
    static func request(_ remaining: Duration?) -> HTTPRequest {
        HTTPRequest(method: .get, url: URL(string: "https://example.invalid/x")!, timeout: .seconds(1))
    }

    @Test func retriesWhatItIsToldToAndStopsAtTheAnswer() async {
        let script = Script([.success(503), .failure(TransportError(.connectionFailed, "refused")), .success(200)])
        let outcome = await RetryingSender(transport: script, policy: Self.fast).send(Self.request, shouldRetry: { $0.status >= 500 })
        guard case .answered(let response, let attempts) = outcome else { Issue.record("\(outcome)"); return }
        #expect(response.status == 200 && attempts == 3)
    }

    @Test func aTLSFailureIsNotRetried() async {
        let script = Script([.failure(TransportError(.tls, "unknown CA")), .success(200)])
        let outcome = await RetryingSender(transport: script, policy: Self.fast).send(Self.request, shouldRetry: { _ in true })
        guard case .failed(let error, _, let attempts, let deadline) = outcome else { Issue.record("\(outcome)"); return }
        #expect(error?.kind == .tls && attempts == 1 && !deadline)
        #expect(await script.sent == 1)
    }

    @Test func theLastRetryableAnswerIsReturnedWhenAttemptsRunOut() async {
        let script = Script(Array(repeating: .success(503), count: 4))
        let outcome = await RetryingSender(transport: script, policy: Self.fast).send(Self.request, shouldRetry: { $0.status == 503 })
        guard case .answered(let response, let attempts) = outcome else { Issue.record("\(outcome)"); return }
        #expect(response.status == 503 && attempts == 4)
    }

    @Test func aPassedDeadlineEndsItWithTheLastProblem() async {
        let script = Script([.success(503)] + Array(repeating: .success(503), count: 3))
        let slow = RetryPolicy(maxAttempts: 4, baseDelay: .seconds(5), maxDelay: .seconds(5))
        let outcome = await RetryingSender(transport: script, policy: slow, deadline: .milliseconds(50)).send(Self.request, shouldRetry: { _ in true })
        guard case .failed(_, let response, let attempts, let deadline) = outcome else { Issue.record("\(outcome)"); return }
        #expect(deadline && attempts == 1 && response?.status == 503)
    }
}
