import Foundation

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
        let program = "docker-credential-\(name)"
        guard !name.contains("/") else { return nil }
        for directory in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Username and secret for `serverURL`, or nil when the helper has none.
    public func get(serverURL: String) async throws(CredentialsError) -> (username: String, secret: String)? {
        guard let path = executable() else { throw .helperNotFound(helper: name) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["get"]
        process.environment = environment
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        let (output, errorOutput, status): (Data, Data, Int32)
        do {
            (output, errorOutput, status) = try await withThrowingTaskGroup(of: (Data, Data, Int32)?.self) { group in
                try process.run()
                group.addTask {
                    stdin.fileHandleForWriting.write(Data(serverURL.utf8))
                    try? stdin.fileHandleForWriting.close()
                    // Read both pipes to the end before waiting, so a chatty helper cannot block.
                    async let out = Task.detached { stdout.fileHandleForReading.readDataToEndOfFile() }.value
                    async let err = Task.detached { stderr.fileHandleForReading.readDataToEndOfFile() }.value
                    let (o, e) = await (out, err)
                    process.waitUntilExit()
                    return (o, e, process.terminationStatus)
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                let first = try await group.next() ?? nil
                if first == nil {
                    // SIGKILL: a helper may have inherited a blocked SIGTERM.
                    kill(process.processIdentifier, SIGKILL)
                    group.cancelAll()
                    throw CredentialsError.helperTimedOut(helper: name)
                }
                group.cancelAll()
                return first!
            }
        } catch let error as CredentialsError {
            throw error
        } catch {
            throw .helperFailed(helper: name, detail: "cannot start it: \(error.localizedDescription)")
        }
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
