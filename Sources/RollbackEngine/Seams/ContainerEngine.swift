import FoundationEssentials

/// What `rollback` needs from the container runtime, behind a seam: the Docker CLI on a box
/// (`DockerCLI`); the same CLI pointed at a fake `docker` in process-level
/// tests, and an in-memory image store in the engine's own tests.
package protocol ContainerEngine: Sendable {
    /// Looks up many images in one call. Returns, per reference asked for, the platform of the
    /// image it names locally (`os/arch[/variant]`), or nothing when it is not in the store.
    func inspect(_ references: [String]) throws(RollbackError) -> [String: String]
    /// Points `target` (a human tag) at the image `source` names.
    func tag(_ source: String, as target: String) throws(RollbackError)
    /// `docker compose -p PROJECT -f … up -d --remove-orphans` in `directory`.
    func composeUp(project: String, directory: String, files: [String]) throws(RollbackError)
    /// The services of `project` that are running.
    func runningServices(project: String) throws(RollbackError) -> Set<String>
    /// Removes one image reference (`repository@digest`).
    func removeImage(_ reference: String) throws(RollbackError)
    /// Runs `command` inside the running container of `service` in `project`, for at most
    /// `timeout` seconds. Throws when there is no such container or the engine does not answer.
    func exec(project: String, service: String, command: [String], timeout: TimeInterval) throws(RollbackError) -> ExecOutcome
}

/// How a command run inside a container ended.
package struct ExecOutcome: Sendable, Equatable {
    package var status: Int32
    package var timedOut: Bool

    package init(status: Int32, timedOut: Bool) {
        self.status = status
        self.timedOut = timedOut
    }
}

