import Basics
import FoundationEssentials
import HostIO

/// The Docker CLI. Every call is one process; the number of calls per switch is fixed
/// (one inspect, one compose) plus one `docker tag` per container whose digest changed.
package struct DockerCLI: ContainerEngine {
    let runner: ProcessRunner

    package init(runner: ProcessRunner, timeout: TimeInterval) {
        self.runner = runner
        self.timeout = timeout
    }
    var program = "docker"
    /// A hung daemon must not hang a rollback (or hold its lock) forever: every call has a
    /// bound (`ROLLBACK_DOCKER_TIMEOUT` seconds; compose up gets five times as long).
    var timeout: TimeInterval = 120
    /// Which Compose the box has, found on first use.
    let composeChoice = ComposeChoice()

    /// Compose v2 (`docker compose`, what Docker CE installs) or, where only a distribution's
    /// Docker is packaged (Debian 12), the standalone v1 `docker-compose`.
    enum Compose: Equatable { case plugin, standalone(String) }

    final class ComposeChoice: @unchecked Sendable {
        let lock = Lock()
        var value: Compose?
    }

    func compose() throws(RollbackError) -> Compose {
        if let known = composeChoice.lock.withLock({ composeChoice.value }) { return known }
        let found: Compose
        if (try? runner.run(program, ["compose", "version"], timeout: 30))?.status == 0 {
            found = .plugin
        } else if let standalone = runner.resolve("docker-compose") {
            found = .standalone(standalone)
        } else {
            throw .unavailable("no Docker Compose on this box: neither `docker compose` (the v2 plugin) nor `docker-compose` runs")
        }
        composeChoice.lock.withLock { composeChoice.value = found }
        return found
    }

    func call(_ arguments: [String], directory: String? = nil, timeout: TimeInterval? = nil) throws(RollbackError) -> ProcessRunner.Result {
        let limit = timeout ?? self.timeout
        let result: ProcessRunner.Result
        do { result = try runner.run(program, arguments, directory: directory, timeout: limit) } catch { throw .unavailable(error.description) }
        if result.timedOut {
            throw .unavailable("docker \(arguments.prefix(2).joined(separator: " ")) did not answer within \(Int(limit)) s (is the Docker daemon hung?)")
        }
        return result
    }

    package func inspect(_ references: [String]) throws(RollbackError) -> [String: String] {
        guard !references.isEmpty else { return [:] }
        // One line per image found: its tags and repo digests, then its platform. Missing references
        // make docker exit 1 and are simply absent from the output.
        let format = "{{range .RepoTags}}{{.}} {{end}}{{range .RepoDigests}}{{.}} {{end}}|{{.Os}}/{{.Architecture}}{{if .Variant}}/{{.Variant}}{{end}}"
        let result = try call(["image", "inspect", "--format", format] + references)
        if result.status != 0 && !result.stderr.lowercased().contains("no such image") {
            throw .unavailable("docker image inspect failed (exit \(result.status)): \(result.stderr.trimmed)")
        }
        // Docker prints repo digests in its familiar form (docker.io/library/x@… as x@…).
        var wanted: [String: [String]] = [:]
        for reference in references { wanted[Self.familiar(reference), default: []].append(reference) }
        var found: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") {
            let parts = line.split(separator: "|", maxSplits: 1)
            guard parts.count == 2 else { continue }
            for digest in parts[0].split(separator: " ") {
                for reference in wanted[Self.familiar(String(digest))] ?? [] { found[reference] = String(parts[1]) }
            }
        }
        return found
    }

    static func familiar(_ reference: String) -> String {
        for prefix in ["docker.io/library/", "docker.io/"] where reference.hasPrefix(prefix) {
            return String(reference.dropFirst(prefix.count))
        }
        return reference
    }

    package func tag(_ source: String, as target: String) throws(RollbackError) {
        let result = try call(["tag", source, target])
        guard result.status == 0 else { throw .unavailable("docker tag \(source) \(target) failed (exit \(result.status)): \(result.stderr.trimmed)") }
    }

    package func composeUp(project: String, directory: String, files: [String]) throws(RollbackError) {
        var arguments = ["--project-name", project, "--project-directory", directory]
        for file in files { arguments += ["-f", "\(directory)/\(file)"] }
        arguments += ["up", "-d", "--remove-orphans"]
        let result: ProcessRunner.Result
        switch try compose() {
        case .plugin:
            result = try call(["compose"] + arguments, directory: directory, timeout: timeout * 5)
        case .standalone(let path):
            do { result = try runner.run(path, arguments, directory: directory, timeout: timeout * 5) } catch { throw .unavailable(error.description) }
            if result.timedOut { throw .unavailable("docker-compose up did not finish within \(Int(timeout * 5)) s (is the Docker daemon hung?)") }
        }
        guard result.status == 0 else { throw .unavailable("docker compose up failed (exit \(result.status)): \(result.stderr.trimmed)") }
    }

    package func runningServices(project: String) throws(RollbackError) -> Set<String> {
        let result: ProcessRunner.Result
        switch try compose() {
        case .plugin:
            result = try call(["compose", "--project-name", project, "ps", "--services", "--filter", "status=running"])
        case .standalone:
            // v1 cannot list a project without its files; both versions label their containers.
            result = try call(["ps", "--filter", "label=com.docker.compose.project=\(project)", "--filter", "status=running",
                               "--format", "{{.Label \"com.docker.compose.service\"}}"])
        }
        guard result.status == 0 else { throw .unavailable("docker compose ps failed (exit \(result.status)): \(result.stderr.trimmed)") }
        return Set(result.stdout.split(separator: "\n").map { String($0).trimmed }.filter { !$0.isEmpty })
    }

    package func removeImage(_ reference: String) throws(RollbackError) {
        let result = try call(["image", "rm", reference])
        guard result.status == 0 || result.stderr.lowercased().contains("no such image") else {
            throw .unavailable("docker image rm \(reference) failed (exit \(result.status)): \(result.stderr.trimmed)")
        }
    }

    /// The service's running container by compose's labels (both Compose versions set them),
    /// then `docker exec` in it: no compose files needed, and the same for v1 and v2.
    package func exec(project: String, service: String, command: [String], timeout: TimeInterval) throws(RollbackError) -> ExecOutcome {
        let listed = try call(["ps", "-q", "--filter", "label=com.docker.compose.project=\(project)",
                               "--filter", "label=com.docker.compose.service=\(service)", "--filter", "status=running"])
        guard listed.status == 0 else { throw .unavailable("docker ps failed (exit \(listed.status)): \(listed.stderr.trimmed)") }
        guard let container = listed.stdout.split(separator: "\n").map({ String($0).trimmed }).first(where: { !$0.isEmpty }) else {
            throw .unavailable("service \(service) has no running container to run the check in")
        }
        // docker stops reading its own options at the container: every word after it is the
        // command's, one starting with '-' included (a `--` there would be the command).
        let result: ProcessRunner.Result
        do { result = try runner.run(program, ["exec", container] + command, timeout: timeout) }
        catch { throw .unavailable(error.description) }
        return ExecOutcome(status: result.status, timedOut: result.timedOut)
    }
}
