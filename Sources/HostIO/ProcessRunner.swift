import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program found on PATH (or by path), optionally feeding it stdin, capturing its
/// output, with an optional timeout after which it is killed with SIGKILL (a child may have
/// inherited a blocked SIGTERM). Blocking: call it from a GCD thread, never from Swift's
/// cooperative pool. The toolchain's one way of starting processes (credential helpers, git,
/// docker, health-check commands, systemctl).
public struct ProcessRunner: Sendable {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var timedOut: Bool
    }

    public var environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// `program` is looked up on PATH unless it contains a slash. Throws only when it cannot be
    /// started.
    public func run(_ program: String, _ arguments: [String], directory: String? = nil, stdin: Data? = nil,
                    timeout: TimeInterval? = nil) throws(HostIOError) -> Result {
        guard let executable = resolve(program) else {
            throw .cannotRun(program: program, reason: "not found on PATH (\(environment["PATH"] ?? "unset"))")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = stdin.map { _ in Pipe() }
        process.standardInput = input ?? FileHandle.nullDevice
        do { try process.run() } catch {
            throw .cannotRun(program: program, reason: error.localizedDescription)
        }
        if let input, let stdin {
            // A child may exit without reading its input: that is its answer, not our crash.
            signal(SIGPIPE, SIG_IGN)
            DispatchQueue.global().async {
                try? input.fileHandleForWriting.write(contentsOf: stdin)
                try? input.fileHandleForWriting.close()
            }
        }
        let pid = process.processIdentifier
        // Read both pipes on their own threads so a chatty child never blocks on a full pipe.
        let group = DispatchGroup()
        final class Box: @unchecked Sendable { var data = Data() }
        let outBox = Box(), errBox = Box()
        for (pipe, box) in [(out, outBox), (err, errBox)] {
            group.enter()
            DispatchQueue.global().async {
                box.data = pipe.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
        }
        final class Flag: @unchecked Sendable { var value = false }
        let timedOut = Flag()
        let exited = DispatchSemaphore(value: 0)
        if let timeout {
            DispatchQueue.global().async {
                if exited.wait(timeout: .now() + timeout) == .timedOut {
                    timedOut.value = true
                    kill(pid, SIGKILL)
                }
            }
        }
        process.waitUntilExit()
        exited.signal()
        // A grandchild may hold the pipes open after a kill; do not wait for it forever.
        _ = group.wait(timeout: .now() + (timedOut.value ? 1 : 30))
        return Result(status: process.terminationStatus, stdout: String(decoding: outBox.data, as: UTF8.self),
                      stderr: String(decoding: errBox.data, as: UTF8.self), timedOut: timedOut.value)
    }

    public func resolve(_ program: String) -> String? {
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) ? program : nil }
        for directory in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
