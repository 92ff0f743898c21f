import Basics
import Foundation
import HTTPCore
import Testing
import TestSupport
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
        let headers: HTTPHeaders
        init(_ steps: [Result<Int, TransportError>], headers: HTTPHeaders = HTTPHeaders()) {
            self.steps = steps
            self.headers = headers
        }
        func send(_ request: HTTPRequest) async throws -> HTTPResponse {
            sent += 1
            switch steps.removeFirst() {
            case .success(let status): return HTTPResponse(status: status, headers: headers, body: [])
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
        let outcome = await RetryingSender(policy: Self.fast).send(over: script, Self.request, shouldRetry: { $0.status >= 500 })
        guard case .answered(let response, let attempts) = outcome else { Issue.record("\(outcome)"); return }
        #expect(response.status == 200 && attempts == 3)
    }

    @Test func aTLSFailureIsNotRetried() async {
        let script = Script([.failure(TransportError(.tls, "unknown CA")), .success(200)])
        let outcome = await RetryingSender(policy: Self.fast).send(over: script, Self.request, shouldRetry: { _ in true })
        guard case .failed(let error, _, let attempts, let deadline) = outcome else { Issue.record("\(outcome)"); return }
        #expect(error?.kind == .tls && attempts == 1 && !deadline)
        #expect(await script.sent == 1)
    }

    @Test func theLastRetryableAnswerIsReturnedWhenAttemptsRunOut() async {
        let script = Script(Array(repeating: .success(503), count: 4))
        let outcome = await RetryingSender(policy: Self.fast).send(over: script, Self.request, shouldRetry: { $0.status == 503 })
        guard case .answered(let response, let attempts) = outcome else { Issue.record("\(outcome)"); return }
        #expect(response.status == 503 && attempts == 4)
    }

    @Test func aPassedDeadlineEndsItWithTheLastProblem() async {
        let script = Script([.success(503)] + Array(repeating: .success(503), count: 3))
        let slow = RetryPolicy(maxAttempts: 4, baseDelay: .seconds(5), maxDelay: .seconds(5))
        let outcome = await RetryingSender(policy: slow).send(over: script, deadline: .milliseconds(50), Self.request, shouldRetry: { _ in true })
        guard case .failed(_, let response, let attempts, let deadline) = outcome else { Issue.record("\(outcome)"); return }
        #expect(deadline && attempts == 1 && response?.status == 503)
    }

    @Test func aRetryAfterLongerThanThePolicyAllowsIsNotWaitedForButAnswered() async {
        let script = Script([.success(503), .success(200)], headers: HTTPHeaders([("Retry-After", "3600")]))
        let policy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2), maxRetryAfter: .seconds(60))
        let outcome = await RetryingSender(policy: policy).send(over: script, Self.request, shouldRetry: { $0.status == 503 })
        guard case .answered(let response, let attempts) = outcome else { Issue.record("\(outcome)"); return }
        #expect(response.status == 503 && attempts == 1)
        #expect(await script.sent == 1)
    }

    @Test func aTimeoutAtTheDeadlineIsTheDeadlinesDoing() async {
        let script = Script([.failure(TransportError(.timedOut, "timed out"))])
        let policy = RetryPolicy(maxAttempts: 1)
        // The attempt takes the whole budget, as a transport timeout set from `remaining` does.
        let end = ContinuousClock.now + .milliseconds(30)
        let outcome = try? await RetryingSender(policy: policy).exchange(until: end, attempt: { remaining in
            try await Task.sleep(for: remaining ?? .zero)
            return try await script.send(Self.request(remaining))
        }, shouldRetry: { _ in true })
        guard case .failed(let error, _, let attempts, let deadline)? = outcome else { Issue.record("\(String(describing: outcome))"); return }
        #expect(error?.kind == .timedOut && attempts == 1 && deadline)
    }

    struct Refusal: Error, Equatable {}

    @Test func anErrorThatIsNotATransportFailureEndsTheLoopAndIsRethrown() async {
        var attempts = 0
        await #expect(throws: Refusal.self) {
            _ = try await RetryingSender(policy: Self.fast).exchange(until: nil, attempt: { _ in
                attempts += 1
                throw Refusal()
            }, shouldRetry: { _ in true })
        }
        #expect(attempts == 1)
    }

    @Test func eachRetryIsReportedAndTheJitterComesFromTheInjectedSource() async throws {
        let script = Script([.failure(TransportError(.connectionFailed, "refused")), .success(503), .success(200)])
        let generator = SeededUnit(SplitMix64.seeded(for: "RetryingSender jitter"))
        let seed = generator.seed
        var retries: [String] = []
        let outcome = try await RetryingSender(policy: Self.fast, unitRandom: { generator.next() }).exchange(until: nil, attempt: { remaining in
            try await script.send(Self.request(remaining))
        }, shouldRetry: { $0.status == 503 }, onRetry: { retry in
            switch retry {
            case .transportFailed(let error, let attempt): retries.append("\(attempt): \(error.detail)")
            case .answered(let response, let attempt, _): retries.append("\(attempt): HTTP \(response.status)")
            }
        })
        guard case .answered(let response, 3) = outcome else { Issue.record("\(outcome) (seed \(seed))"); return }
        #expect(response.status == 200)
        #expect(retries == ["1: refused", "2: HTTP 503"], "seed \(seed)")
        #expect(generator.draws == 2, "one jitter draw per wait (seed \(seed))")
    }
}

/// Values in 0...1 from the shared seeded generator, counting its draws.
final class SeededUnit: @unchecked Sendable {
    private var generator: SplitMix64
    private(set) var draws = 0
    private let lock = NSLock()
    var seed: UInt64 { generator.seed }
    init(_ generator: SplitMix64) { self.generator = generator }
    func next() -> Double {
        lock.lock(); defer { lock.unlock() }
        draws += 1
        return Double.random(in: 0...1, using: &generator)
    }
}
