import Foundation
import ImageReference
import Testing
import TestSupport
@testable import HostIO

@Suite struct AtomicFileTests {
    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    @Test func writesReplacesAndLeavesNoTemporaryFiles() throws {
        let directory = try TemporaryDirectory("atomic")
        let path = directory.file("state.json")
        try AtomicFile.write(Array("one".utf8), to: path)
        try AtomicFile.write(Array("two".utf8), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "two")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["state.json"])
    }

    @Test func secretsAreCreatedWithTheirFinalModeDespiteTheUmask() throws {
        let directory = try TemporaryDirectory("atomic-mode")
        let old = umask(0)
        defer { umask(old) }
        try AtomicFile.write(Array("token".utf8), to: directory.file("secret"), mode: 0o600)
        #expect(try mode(directory.file("secret")) == 0o600)
        try AtomicFile.write(Array("x".utf8), to: directory.file("public"), mode: 0o644)
        #expect(try mode(directory.file("public")) == 0o644)
    }

    @Test func failureNamesThePathAndChangesNothing() throws {
        let directory = try TemporaryDirectory("atomic-fail")
        let missing = directory.file("no/such/dir/file")
        #expect(throws: HostIOError.self) { try AtomicFile.write([1], to: missing) }
        do {
            try AtomicFile.write([1], to: missing)
        } catch {
            #expect(error.description.contains(directory.file("no/such/dir")))
            #expect(error.description.contains("No such file or directory"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func makeDirectoryCreatesParents() throws {
        let directory = try TemporaryDirectory("atomic-dir")
        try AtomicFile.makeDirectory(directory.file("a/b/c"), mode: 0o700)
        #expect(try mode(directory.file("a/b/c")) == 0o700)
    }
}

@Suite struct ProcessRunnerTests {
    let runner = ProcessRunner(environment: ["PATH": "/usr/bin:/bin"])

    @Test func capturesBothStreamsAndTheStatus() async throws {
        let result = try await ProcessSupport.detached { [runner] in try runner.run("sh", ["-c", "echo out; echo err >&2; exit 3"]) }
        #expect(result.stdout == "out\n")
        #expect(result.stderr == "err\n")
        #expect(result.status == 3)
        #expect(!result.timedOut)
    }

    @Test func feedsStdinAndSurvivesAChildThatDoesNotReadIt() async throws {
        let echoed = try await ProcessSupport.detached { [runner] in try runner.run("cat", [], stdin: Data("hello\n".utf8)) }
        #expect(echoed.stdout == "hello\n")
        // 1 MiB to a child that exits at once: EPIPE, not a crash of this process.
        let ignored = try await ProcessSupport.detached { [runner] in try runner.run("true", [], stdin: Data(repeating: 0x61, count: 1 << 20)) }
        #expect(ignored.status == 0)
    }

    // The child starts with no standard signal blocked or ignored, whatever this process had
    // (Swift Testing's runner blocks SIGTERM; the tools ignore SIGPIPE). Signals 32 and 33
    // are glibc's own and stay as glibc sets them.
    @Test func theChildStartsWithCleanSignalState() async throws {
        signal(SIGPIPE, SIG_IGN)
        let result = try await ProcessSupport.detached { [runner] in try runner.run("sh", ["-c", "grep -E '^Sig(Blk|Ign):' /proc/self/status"]) }
        let masks = Dictionary(uniqueKeysWithValues: result.stdout.split(separator: "\n").map { line in
            let parts = line.split(separator: ":")
            return (String(parts[0]), UInt64(parts[1].trimmingCharacters(in: .whitespaces), radix: 16) ?? .max)
        })
        let standard: UInt64 = (1 << 31) - 1
        #expect(masks["SigBlk"].map { $0 & standard } == 0)
        #expect(masks["SigIgn"].map { $0 & standard } == 0)
    }

    // A descriptor this process opened without close-on-exec (a listening socket, say) does
    // not leak into the child.
    @Test func theChildGetsOnlyItsThreeStandardDescriptors() async throws {
        let leaky = open("/dev/null", O_RDONLY)
        defer { close(leaky) }
        #expect(leaky > 2)
        let result = try await ProcessSupport.detached { [runner] in try runner.run("sh", ["-c", "ls /proc/self/fd"]) }
        let descriptors = result.stdout.split(separator: "\n").compactMap { Int($0) }.sorted()
        // 0-2, plus the one ls itself opens to read the directory.
        #expect(!descriptors.contains(Int(leaky)), "\(descriptors)")
        #expect(descriptors.filter { $0 > 2 }.count <= 1, "\(descriptors)")
    }

    @Test func aHungChildIsKilledAtItsTimeout() async throws {
        let result = try await ProcessSupport.detached { [runner] in try runner.run("sleep", ["30"], timeout: 0.3) }
        #expect(result.timedOut)
        #expect(result.status == 128 + SIGKILL)
    }

    @Test func runsInTheDirectoryAskedForAndOnlyWithTheEnvironmentGiven() async throws {
        let result = try await ProcessSupport.detached { try ProcessRunner(environment: ["PATH": "/usr/bin:/bin", "EDGE_MARK": "1"]).run("sh", ["-c", "pwd; env | sort"], directory: "/tmp") }
        #expect(result.stdout.hasPrefix("/tmp\n"))
        #expect(result.stdout.contains("EDGE_MARK=1"))
        #expect(!result.stdout.contains("HOME="))
    }

    @Test func aMissingProgramIsAClearError() {
        #expect(throws: HostIOError.self) { try runner.run("no-such-program-edge", []) }
    }
}
