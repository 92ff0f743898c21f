import Basics
import FoundationEssentials

/// Time spent waiting on the container engine, per kind of call, so a switch can report how
/// much of it was rollback's own work (`timings_ms` in `--json`; bench/rollback reads it).
final class EngineTimings: @unchecked Sendable {
    private let lock = Lock()
    private var milliseconds: [String: Double] = [:]

    func add(_ name: String, since start: Date) {
        let elapsed = Date().timeIntervalSince(start) * 1000
        lock.withLock { milliseconds[name, default: 0] += elapsed }
    }

    var snapshot: [String: Int] {
        lock.withLock { milliseconds.mapValues { Int($0.rounded()) } }
    }
}

/// Decorates an engine with timing. (Parallel `tag` calls add up their own durations, so
/// `docker_tag` can exceed the wall time they took.)
struct TimedEngine: ContainerEngine {
    let base: any ContainerEngine
    let timings: EngineTimings

    func inspect(_ references: [String]) throws(RollbackError) -> [String: String] {
        let start = Date()
        defer { timings.add("docker_inspect", since: start) }
        return try base.inspect(references)
    }

    func tag(_ source: String, as target: String) throws(RollbackError) {
        let start = Date()
        defer { timings.add("docker_tag", since: start) }
        try base.tag(source, as: target)
    }

    func composeUp(project: String, directory: String, files: [String]) throws(RollbackError) {
        let start = Date()
        defer { timings.add("docker_compose", since: start) }
        try base.composeUp(project: project, directory: directory, files: files)
    }

    func runningServices(project: String) throws(RollbackError) -> Set<String> {
        let start = Date()
        defer { timings.add("docker_ps", since: start) }
        return try base.runningServices(project: project)
    }

    func removeImage(_ reference: String) throws(RollbackError) {
        let start = Date()
        defer { timings.add("docker_rm", since: start) }
        try base.removeImage(reference)
    }
}
