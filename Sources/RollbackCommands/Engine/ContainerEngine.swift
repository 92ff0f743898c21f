import Basics
import FoundationEssentials
import HostIO

/// What `rollback` needs from the container runtime, behind a seam: the Docker CLI on a box
/// (`DockerCLI`), the same CLI pointed at a fake `docker` in tests.
protocol ContainerEngine: Sendable {
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
}

/// The Docker CLI. Every call is one process; the number of calls per switch is fixed
/// (one inspect, one compose) plus one `docker tag` per container whose digest changed.
struct DockerCLI: ContainerEngine {
    let runner: ProcessRunner
    var program = "docker"
    /// A hung daemon must not hang a rollback (or hold its lock) forever: every call has a
    /// bound (`ROLLBACK_DOCKER_TIMEOUT` seconds; compose up gets five times as long).
    var timeout: TimeInterval = 120

    func call(_ arguments: [String], directory: String? = nil, timeout: TimeInterval? = nil) throws(RollbackError) -> ProcessRunner.Result {
        let limit = timeout ?? self.timeout
        let result: ProcessRunner.Result
        do { result = try runner.run(program, arguments, directory: directory, timeout: limit) } catch { throw .unavailable(error.description) }
        if result.timedOut {
            throw .unavailable("docker \(arguments.prefix(2).joined(separator: " ")) did not answer within \(Int(limit)) s (is the Docker daemon hung?)")
        }
        return result
    }

    func inspect(_ references: [String]) throws(RollbackError) -> [String: String] {
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

    func tag(_ source: String, as target: String) throws(RollbackError) {
        let result = try call(["tag", source, target])
        guard result.status == 0 else { throw .unavailable("docker tag \(source) \(target) failed (exit \(result.status)): \(result.stderr.trimmed)") }
    }

    func composeUp(project: String, directory: String, files: [String]) throws(RollbackError) {
        var arguments = ["compose", "--project-name", project, "--project-directory", directory]
        for file in files { arguments += ["-f", "\(directory)/\(file)"] }
        arguments += ["up", "-d", "--remove-orphans"]
        let result = try call(arguments, directory: directory, timeout: timeout * 5)
        guard result.status == 0 else { throw .unavailable("docker compose up failed (exit \(result.status)): \(result.stderr.trimmed)") }
    }

    func runningServices(project: String) throws(RollbackError) -> Set<String> {
        let result = try call(["compose", "--project-name", project, "ps", "--services", "--filter", "status=running"])
        guard result.status == 0 else { throw .unavailable("docker compose ps failed (exit \(result.status)): \(result.stderr.trimmed)") }
        return Set(result.stdout.split(separator: "\n").map { String($0).trimmed }.filter { !$0.isEmpty })
    }

    func removeImage(_ reference: String) throws(RollbackError) {
        let result = try call(["image", "rm", reference])
        guard result.status == 0 || result.stderr.lowercased().contains("no such image") else {
            throw .unavailable("docker image rm \(reference) failed (exit \(result.status)): \(result.stderr.trimmed)")
        }
    }
}
