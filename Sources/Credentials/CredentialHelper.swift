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
        IgnoreSIGPIPE.once()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["get"]
        process.environment = environment
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do { try process.run() }
        catch { throw .helperFailed(helper: name, detail: "cannot start it: \(error.localizedDescription)") }
        let timedOut = TimeoutFlag()
        // A hung helper is killed with SIGKILL (it may have inherited a blocked SIGTERM).
        let pid = process.processIdentifier
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            if process.isRunning {
                timedOut.set()
                kill(pid, SIGKILL)
            }
        }
        // Blocking pipe reads run on GCD threads, never on Swift's cooperative pool.
        let (output, errorOutput, status): (Data, Data, Int32) = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                // A helper may exit without reading stdin: that is its answer, not our crash.
                try? stdin.fileHandleForWriting.write(contentsOf: Data(serverURL.utf8))
                try? stdin.fileHandleForWriting.close()
                let group = DispatchGroup()
                let errorBox = DataBox()
                group.enter()
                DispatchQueue.global().async {
                    errorBox.data = stderr.fileHandleForReading.readDataToEndOfFile()
                    group.leave()
                }
                let out = stdout.fileHandleForReading.readDataToEndOfFile()
                group.wait()
                process.waitUntilExit()
                continuation.resume(returning: (out, errorBox.data, process.terminationStatus))
            }
        }
        if timedOut.isSet { throw .helperTimedOut(helper: name) }
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

/// Writing to a pipe whose reader has gone must be an error, not a signal that kills us.
enum IgnoreSIGPIPE {
    private static let done: Bool = { signal(SIGPIPE, SIG_IGN); return true }()
    static func once() { _ = done }
}

final class TimeoutFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}

final class DataBox: @unchecked Sendable {
    var data = Data()
}
