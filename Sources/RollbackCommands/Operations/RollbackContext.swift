import Basics
import FoundationEssentials
import HostIO
import Release

/// Everything an operation needs, received rather than reached for: the state on disk, the
/// container engine, a process runner for command checks, the clock, and crash points for
/// the kill-at-every-step tests.
struct RollbackContext {
    let store: RollbackStore
    let engine: any ContainerEngine
    let runner: ProcessRunner
    let crashPoints: CrashPoints
    let now: @Sendable () -> Date
    /// Progress for people (stderr).
    let say: (String) -> Void
    /// Time spent in the engine (when it is a `TimedEngine` sharing this).
    var engineTimings = EngineTimings()

    var paths: RollbackPaths { store.paths }

    func timestamp(_ date: Date? = nil) -> String {
        Timestamp.iso8601(date ?? now())
    }

    /// Holds the one-rollback-at-a-time lock for `body`.
    func exclusively<T>(_ body: () throws(RollbackError) -> T) throws(RollbackError) -> T {
        try store.prepare()
        let outcome: FileLock.Outcome
        do { outcome = try FileLock.acquire(paths.lock) } catch { throw .io(error) }
        switch outcome {
        case .busy(let holder):
            throw .busy("another rollback is running\(holder.map { " (pid \($0))" } ?? ""); try again when it has finished")
        case .acquired(let lock):
            defer { withExtendedLifetime(lock) {} }
            return try body()
        }
    }
}
