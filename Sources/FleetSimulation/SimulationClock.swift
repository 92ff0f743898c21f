import Basics
import Foundation

/// The simulation's virtual clock: moved by the simulator, so a 24 h soak takes no real time.
public final class SimulationClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var seconds: Int64

    public init(_ seconds: Int64 = 1_796_000_000) { self.seconds = seconds }

    public func now() -> Date { lock.withLock { Date(timeIntervalSince1970: TimeInterval(seconds)) } }
    public var epoch: Int64 { lock.withLock { seconds } }
    public func advance(_ delta: Int64) { lock.withLock { seconds += delta } }
}
