import ArgumentParser
import Basics
import Foundation
import HostIO
import Lock

/// `imagesmith diff OLD.lock NEW.lock`: what changed between two builds.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what changed between two locks: added, removed and re-pinned containers.",
        discussion: """
            For a re-pin it says whether the pulled platform's content changed or only the \
            index did (a platform added, say). Exit status: 0 (with --exit-code: 0 no changes, \
            1 changes), 65 an invalid lock, 66 a missing file.
            """
    )

    @Argument(help: ArgumentHelp("The older lock.", valueName: "OLD.lock"))
    var old: String

    @Argument(help: ArgumentHelp("The newer lock.", valueName: "NEW.lock"))
    var new: String

    @Flag(help: "Print JSON (a failure too: {\"error\", \"exit_code\"}).")
    var json = false

    @Flag(name: .customLong("exit-code"), help: "Exit 1 when the locks differ.")
    var exitCode = false

    func run() throws {
        let code = DiffRunner(oldPath: old, newPath: new, json: json, exitCode: exitCode, output: .standard).run()
        if code != .success { throw ExitCode(code.rawValue) }
    }
}

public struct DiffRunner: Sendable {
    public var oldPath: String
    public var newPath: String
    public var json: Bool
    public var exitCode: Bool
    public var output: CommandOutput

    public init(oldPath: String, newPath: String, json: Bool = false, exitCode: Bool = false, output: CommandOutput) {
        self.oldPath = oldPath
        self.newPath = newPath
        self.json = json
        self.exitCode = exitCode
        self.output = output
    }

    public func run() -> ExitStatus {
        var locks: [LockFile] = []
        for path in [oldPath, newPath] {
            let read = BoundedFile.read(path, limit: LockFile.maximumBytes)
            guard case .bytes(let bytes) = read else {
                return output.fail({ if case .tooLarge = read { return .dataError } else { return .noInput } }(),
                                   ["the lock \(path) \(BoundedFile.problem(read, limit: LockFile.maximumBytes) ?? "cannot be read")"], json: json)
            }
            do { locks.append(try LockFile.decode(bytes, path: path)) }
            catch { return output.fail(.dataError, ["\(error)"], json: json) }
        }
        let diff = LockDiff(old: locks[0], new: locks[1])
        if json {
            output.writeOut(CanonicalJSON.text(diff))
        } else {
            output.writeOut(diff.humanReadable())
        }
        return exitCode && !diff.isEmpty ? .failure : .success
    }
}
