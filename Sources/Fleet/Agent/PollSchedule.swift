/// When a device agent reads the store next. After a good read: the interval, spread by
/// ±`jitter` of it, so ten thousand boxes started together drift apart. After failed reads:
/// exponential backoff with full jitter (a random wait up to base·2^(n-1), capped), so that
/// when the store comes back after an outage the boxes do not all arrive in the same second.
public struct PollSchedule: Sendable, Equatable {
    public var interval: Double
    public var jitter: Double
    public var backoffBase: Double
    public var backoffCap: Double

    public init(interval: Double = 60, jitter: Double = 0.2, backoffBase: Double = 5, backoffCap: Double = 900) {
        self.interval = interval
        self.jitter = jitter
        self.backoffBase = backoffBase
        self.backoffCap = backoffCap
    }

    /// Seconds to wait, after `failures` failed reads in a row (0: the last read worked);
    /// `unit` is a random number in 0...1.
    public func delay(afterFailures failures: Int, unit: Double) -> Double {
        let unit = min(max(unit, 0), 1)
        guard failures > 0 else { return interval * (1 - jitter + 2 * jitter * unit) }
        let ceiling = min(backoffCap, backoffBase * Double(1 << min(failures - 1, 20)))
        return max(1, ceiling * unit)
    }
}
