import Basics
import FoundationEssentials
import ImageReference

/// How far a run of the resolver has come, for a person watching: how many references are
/// resolved of how many, and which registry the longest-waiting one is at. The resolver notes
/// each reference's start and end; a command shows it (on a terminal only).
public final class ResolveProgress: @unchecked Sendable {
    public struct Snapshot: Sendable, Equatable {
        public var done: Int
        public var total: Int
        /// The registry of the reference waited on longest, and for how long (seconds).
        public var slowest: (registry: String, seconds: Double)?

        public static func == (a: Snapshot, b: Snapshot) -> Bool {
            a.done == b.done && a.total == b.total && a.slowest?.registry == b.slowest?.registry
        }
    }

    private let lock = Lock()
    private var total = 0
    private var done = 0
    private var started: [Reference: (registry: String, at: ContinuousClock.Instant)] = [:]

    public init() {}

    func expect(_ count: Int) { lock.withLock { total += count } }
    func begin(_ reference: Reference) { lock.withLock { started[reference] = (reference.registry.host, .now) } }
    func end(_ reference: Reference) {
        lock.withLock {
            started[reference] = nil
            done += 1
        }
    }

    public func snapshot() -> Snapshot {
        lock.withLock {
            let now = ContinuousClock.now
            let oldest = started.values.min { $0.at < $1.at }
            return Snapshot(done: done, total: total, slowest: oldest.map { ($0.registry, Double((now - $0.at).components.seconds) + Double((now - $0.at).components.attoseconds) / 1e18) })
        }
    }
}
