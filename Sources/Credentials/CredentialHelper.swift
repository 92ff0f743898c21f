import Basics
import Foundation
import HostIO

/// Runs `docker-credential-<name> get` (the docker credential-helper protocol): the server
/// URL on stdin, `{"ServerURL","Username","Secret"}` on stdout.
public struct CredentialHelper: Sendable {
    public let name: String
    public let environment: [String: String]
    public let timeout: Duration

    public init(name: String, environment: [String: String], timeout: Duration = .seconds(30)) {
        self.name = name
        self.environment = environment
        self.timeout = timeout
    }

    struct Answer: Decodable {
        var Username: String?
        var Secret: String?
    }

    /// The executable on the environment's PATH.
    func executable() -> String? {
        guard !name.contains("/") else { return nil }
        return ProcessRunner(environment: environment).resolve("docker-credential-\(name)")
    }

    /// The helper's stderr as an error may show it: its first line, printable, at most 200
    /// characters; nothing when it repeats any 8 characters of what the helper wrote on stdout.
    static func shownError(_ stderr: String, stdout: String) -> String {
        let line = stderr.split(whereSeparator: \.isNewline).first.map { String($0).trimmed } ?? ""
        guard !line.isEmpty else { return "" }
        let out = Array(stdout.utf8.filter { $0 > 0x20 && $0 < 0x7f })
        let err = Array(line.utf8)
        if out.count >= 8 {
            for start in 0...(out.count - 8) {
                let piece = out[start..<(start + 8)]
                if err.count >= 8, (0...(err.count - 8)).contains(where: { err[$0..<($0 + 8)].elementsEqual(piece) }) {
                    return " (its message is not shown: it repeats what the helper wrote on stdout)"
                }
            }
        }
        return ": " + line.printableText(limit: 200)
    }

    /// Username and secret for `serverURL`, or nil when the helper has none.
    /// With a `deadline`, the helper gets at most what remains of it (and is stopped then).
    public func get(serverURL: String, deadline: ContinuousClock.Instant? = nil) async throws(CredentialsError) -> (username: String, secret: String)? {
        guard let path = executable() else { throw .helperNotFound(helper: name) }
        let runner = ProcessRunner(environment: environment)
        var limit = timeout
        var boundedByDeadline = false
        if let deadline {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .milliseconds(10) else { throw .helperPastDeadline(helper: name) }
            if remaining < limit { limit = remaining; boundedByDeadline = true }
        }
        let seconds = Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18
        // The blocking run happens on a GCD thread, never on Swift's cooperative pool; a hung
        // helper is killed with SIGKILL at the timeout.
        let outcome: Result<ProcessRunner.Result, HostIOError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Result { () throws(HostIOError) in
                    try runner.run(path, ["get"], stdin: Data(serverURL.utf8), timeout: seconds)
                })
            }
        }
        let result: ProcessRunner.Result
        switch outcome {
        case .success(let value): result = value
        case .failure(let error): throw .helperFailed(helper: name, detail: "cannot start it: \(error.description)")
        }
        if result.timedOut { throw boundedByDeadline ? .helperPastDeadline(helper: name) : .helperTimedOut(helper: name) }
        let output = Data(result.stdout.utf8), status = result.status
        guard status == 0 else {
            // The protocol's "not found" answer (on stdout) means: no credentials, go anonymous.
            if result.stdout.lowercased().contains("credentials not found") { return nil }
            // Its stdout is never shown: a helper that printed its answer and then failed
            // would have the secret in it. Its stderr is, on one printable line, unless it
            // repeats anything the helper put on stdout.
            throw .helperFailed(helper: name, detail: "exit status \(status)" + Self.shownError(result.stderr, stdout: result.stdout))
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: output) else {
            throw .helperFailed(helper: name, detail: "its answer is not the expected JSON object")
        }
        guard let secret = answer.Secret, !secret.isEmpty else { return nil }
        return (answer.Username ?? "", secret)
    }
}
