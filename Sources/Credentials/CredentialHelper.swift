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

    /// Username and secret for `serverURL`, or nil when the helper has none.
    public func get(serverURL: String) async throws(CredentialsError) -> (username: String, secret: String)? {
        guard let path = executable() else { throw .helperNotFound(helper: name) }
        let runner = ProcessRunner(environment: environment)
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
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
        if result.timedOut { throw .helperTimedOut(helper: name) }
        let output = Data(result.stdout.utf8), status = result.status
        let errorOutput = Data(result.stderr.utf8)
        let message = String(decoding: errorOutput.isEmpty ? output : errorOutput, as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard status == 0 else {
            // The protocol's "not found" answer means: no credentials, go anonymous.
            if message.lowercased().contains("credentials not found") { return nil }
            throw .helperFailed(helper: name, detail: "exit status \(status)" + (message.isEmpty || message.count > 200 ? "" : ": \(message)"))
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: output) else {
            throw .helperFailed(helper: name, detail: "its answer is not the expected JSON object")
        }
        guard let secret = answer.Secret, !secret.isEmpty else { return nil }
        return (answer.Username ?? "", secret)
    }
}
