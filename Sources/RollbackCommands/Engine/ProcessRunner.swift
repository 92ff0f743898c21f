import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program found on PATH (or by path), capturing its output, with an optional timeout
/// after which the whole process group is killed. The one place `rollback` starts processes.
struct ProcessRunner: Sendable {
    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut: Bool
    }

    var environment: [String: String]

    /// `program` is looked up on PATH unless it contains a slash. Throws only when it cannot be
    /// started.
    func run(_ program: String, _ arguments: [String], directory: String? = nil, timeout: TimeInterval? = nil) throws(RollbackError) -> Result {
        guard let executable = resolve(program) else {
            throw .unavailable("cannot run '\(program)': not found on PATH (\(environment["PATH"] ?? "unset"))")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw .unavailable("cannot run '\(program)': \(error.localizedDescription)")
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

    func resolve(_ program: String) -> String? {
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) ? program : nil }
        for directory in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
