import FoundationEssentials

/// Where engines read the time of day: the system's clock on a box, a manual one in tests
/// (so a trial window can end without waiting for it).
public protocol WallClock: Sendable {
    func now() -> Date
}

/// The system's real-time clock.
public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}
