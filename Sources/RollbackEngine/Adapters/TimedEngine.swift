import Basics
import FoundationEssentials

/// Time spent waiting on the container engine, per kind of call, so a switch can report how
/// much of it was rollback's own work (`timings_ms` in `--json`; bench/rollback reads it).
package final class EngineTimings: @unchecked Sendable {
    private let lock = Lock()
    private var milliseconds: [String: Double] = [:]

    package init() {}

    package func add(_ name: String, since start: Date) {
        let elapsed = Date().timeIntervalSince(start) * 1000
        lock.withLock { milliseconds[name, default: 0] += elapsed }
    }

    package var snapshot: [String: Int] {
        lock.withLock { milliseconds.mapValues { Int($0.rounded()) } }
    }
}

/// Decorates an engine with timing. (Parallel `tag` calls add up their own durations, so
/// `docker_tag` can exceed the wall time they took.)
package struct TimedEngine: ContainerEngine {
    let base: any ContainerEngine
    let timings: EngineTimings

    package init(base: any ContainerEngine, timings: EngineTimings) {
        self.base = base
        self.timings = timings
    }

    package func inspect(_ references: [String]) throws(RollbackError) -> [String: String] {
        let start = Date()
        defer { timings.add("docker_inspect", since: start) }
        return try base.inspect(references)
    }

    package func tag(_ source: String, as target: String) throws(RollbackError) {
        let start = Date()
        defer { timings.add("docker_tag", since: start) }
        try base.tag(source, as: target)
    }

    package func composeUp(project: String, directory: String, files: [String]) throws(RollbackError) {
        let start = Date()
        defer { timings.add("docker_compose", since: start) }
        try base.composeUp(project: project, directory: directory, files: files)
    }

    package func runningServices(project: String) throws(RollbackError) -> Set<String> {
        let start = Date()
        defer { timings.add("docker_ps", since: start) }
        return try base.runningServices(project: project)
    }

    package func removeImage(_ reference: String) throws(RollbackError) {
        let start = Date()
        defer { timings.add("docker_rm", since: start) }
        try base.removeImage(reference)
    }

    package func exec(project: String, service: String, command: [String], timeout: TimeInterval) throws(RollbackError) -> ExecOutcome {
        let start = Date()
        defer { timings.add("docker_exec", since: start) }
        return try base.exec(project: project, service: service, command: command, timeout: timeout)
    }
}
