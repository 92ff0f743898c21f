import Foundation
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
