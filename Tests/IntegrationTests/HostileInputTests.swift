import Foundation
import Testing
import TestSupport

/// Field hardening at the process boundary: hostile files and arguments given to the built
/// executables, each refused with its exit status, a message naming the file and field, and
/// nothing changed on disk. The modules' own tests try each rule's variants as tables.
@Suite struct HostileInputTests {
    static let binaries = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()

    func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> ProcessSupport.Output {
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": "/nonexistent-home"]
        env.merge(environment) { $1 }
        return try await ProcessSupport.runDetached(Self.binaries.appendingPathComponent(tool).path, arguments, environment: env)
    }

    /// Every file under `directory`, with its bytes (links as their targets).
    static func snapshot(_ directory: String) -> [String: Data] {
        var result: [String: Data] = [:]
        let manager = FileManager.default
        guard let walker = manager.enumerator(atPath: directory) else { return [:] }
        for case let name as String in walker {
            let path = "\(directory)/\(name)"
            if let target = try? manager.destinationOfSymbolicLink(atPath: path) { result[name] = Data(("-> " + target).utf8); continue }
            var isDirectory: ObjCBool = false
            if manager.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                result[name] = manager.contents(atPath: path) ?? Data()
            }
        }
        return result
    }

    /// The example definition and its committed lock, copied into a fresh directory.
    static func exampleCopy(_ name: String) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(name)
        let packer = BuildFixture.repository.appendingPathComponent("packer").path
        for file in try FileManager.default.contentsOfDirectory(atPath: packer) {
            try FileManager.default.copyItem(atPath: "\(packer)/\(file)", toPath: directory.file(file))
        }
        return directory
    }

    @Test(arguments: [
        ("repository", #""repository" : "registry.evil.test/edge/app""#, "/repository"),
        ("source", #""source" : "tag""#, "cannot unpin"),
        ("version", #""version" : "../../escape""#, "/image/version"),
    ])
    func aTamperedLockIsRefusedByTheOfflineBuild(field: String, replacement: String, mentions: String) async throws {
        let source = try Self.exampleCopy("hostile-lock-\(field)")
        let lockPath = source.file("edge-analytics.lock.json")
        var lock = try String(contentsOfFile: lockPath, encoding: .utf8)
        let pattern: String = switch field {
        case "repository": #""repository" : "[^"]*""#
        case "source": #""source" : "pinned""#
        default: #""version" : "[^"]*""#
        }
        let range = try #require(lock.range(of: pattern, options: .regularExpression))
        lock.replaceSubrange(range, with: replacement)
        try lock.write(toFile: lockPath, atomically: true, encoding: .utf8)
        let out = try TemporaryDirectory("hostile-lock-out")
        let result = try await run("imagesmith", ["build", source.file("edge-analytics.yaml"), "--lock", lockPath, "--out", out.path,
                                                  "--box-package", BoxPackageFixture.path,
                                                  "--templates", BuildFixture.repository.appendingPathComponent("templates").path])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains(lockPath) && result.stderr.contains(mentions), "\(result.stderr)")
        #expect(Self.snapshot(out.path).isEmpty, "the refused build wrote into --out")
        #expect(!FileManager.default.fileExists(atPath: source.file("../escape")))
    }

    @Test(arguments: [
        ["resolve", "--platform", "linux/../x", "nginx"],
        ["resolve", "--platform", "linux/.", "nginx"],
        ["build", "x.yaml", "--image-version", "2026.+1.1"],
        ["build", "x.yaml", "--image-version", "２０２６.11.1"],
    ])
    func malformedArgumentsAreUsageErrors(arguments: [String]) async throws {
        let result = try await run("imagesmith", arguments)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(!result.stderr.isEmpty)
    }

    /// Numbers and versions from the command line are range-checked before any arithmetic or
    /// any change on disk: a usage error (64), never a crash (SIGILL on an overflow).
    @Test(arguments: [
        ["rollback", "activate", "--trial-window", "9223372036854775807", "2026.11.1"],
        ["rollback", "activate", "--trial-window", "-1", "2026.11.1"],
        ["rollback", "activate", "../../../../tmp/2026.11.9"],
        ["rollback", "to", "2026.+1.1"],
        ["rollback", "repair", "--current", "../x"],
        ["rollback", "prune", "--keep", "1"],
        ["rollback", "install", "--os-version", "x/../y", "/dev/null"],
        ["provision", "apply", "--registration-deadline", "nan", "spec.json"],
        ["provision", "apply", "--registration-deadline", "inf", "spec.json"],
        ["provision", "register", "--registration-deadline", "1e19", "spec.json"],
        ["provision", "register", "--registration-deadline", "0", "spec.json"],
        ["imagesmith", "resolve", "--deadline", "nan", "nginx"],
        ["imagesmith", "resolve", "--jobs", "9223372036854775808", "nginx"],
    ])
    func numbersAndVersionsFromTheCommandLineAreChecked(arguments: [String]) async throws {
        let root = try TemporaryDirectory("hostile-args")
        var command = Array(arguments.dropFirst())
        if arguments[0] == "rollback" { command.insert(contentsOf: ["--root", root.path], at: 1) }
        if arguments[0] == "provision" { command.insert(contentsOf: ["--root", root.path], at: 1) }
        let result = try await run(arguments[0], command)
        #expect(result.status == 64, "\(arguments): \(result.status) \(result.stderr)")
        #expect(!result.stderr.isEmpty)
        #expect(Self.snapshot(root.path).isEmpty, "\(arguments) wrote under the root")
    }

    /// Links already in the output directory never lead a build's writes out of it: they are
    /// followed as inside the directory (or replaced, for a file), and nothing outside changes.
    @Test(arguments: [
        [("scripts", "OUTSIDE")],
        [("scripts", "../outside")],
        [("packer-init", "OUTSIDE")],
        [("edge-analytics.pkr.hcl", "OUTSIDE/victim")],
        [("build-contexts", "/")],
    ])
    func linksInTheOutputDirectoryNeverLeadAWriteOut(links: [(String, String)]) async throws {
        let directory = try TemporaryDirectory("hostile-out")
        try directory.write("outside/victim", "precious\n")
        let outside = directory.file("outside")
        for (path, target) in links {
            let full = directory.file("out/" + path)
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: full, withDestinationPath: target.replacingOccurrences(of: "OUTSIDE", with: outside))
        }
        let before = Self.snapshot(outside)
        let result = try await run("imagesmith", ["build", BuildFixture.repository.appendingPathComponent("packer/edge-analytics.yaml").path,
                                                  "--offline", "--out", directory.file("out"), "--box-package", BoxPackageFixture.path,
                                                  "--templates", BuildFixture.templates])
        #expect(Self.snapshot(outside) == before, "the build changed something outside --out: \(result.stderr)")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory.file("out/edge-analytics.lock.json")))
    }

    /// The environment is input too: a SOURCE_DATE_EPOCH that is not a decimal count of
    /// seconds is a usage error (it was a crash for inf, nan and 1e300, and silently the
    /// clock for text).
    @Test(arguments: ["inf", "nan", "1e300", "-1", "abc", "١٢٣", "99999999999999", ""])
    func aSourceDateEpochThatIsNotOneIsAUsageError(value: String) async throws {
        let out = try TemporaryDirectory("hostile-epoch")
        let result = try await run("imagesmith", ["build", BuildFixture.repository.appendingPathComponent("packer/edge-analytics.yaml").path,
                                                  "--offline", "--out", out.path, "--box-package", BoxPackageFixture.path],
                                   environment: ["SOURCE_DATE_EPOCH": value])
        #expect(result.status == 64, "\(value): \(result.status) \(result.stderr)")
        #expect(result.stderr.contains("SOURCE_DATE_EPOCH"), "\(result.stderr)")
        #expect(Self.snapshot(out.path).isEmpty)
    }

    /// A bundle path that is a FIFO, a directory or a device is refused at once, not read
    /// forever (the FIFO has no writer: a read would block until the test's time limit).
    @Test(arguments: ["fifo", "directory", "/dev/zero"])
    func aBundleThatIsNotARegularFileIsRefusedAtOnce(kind: String) async throws {
        let root = try TemporaryDirectory("hostile-bundle")
        let path: String
        switch kind {
        case "fifo": path = root.file("bundle.tar.gz"); #expect(mkfifo(path, 0o600) == 0)
        case "directory": path = root.file("bundle.tar.gz"); try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        default: path = kind
        }
        let result = try await run("rollback", ["install", "--root", root.file("box"), path])
        #expect(result.status == 66, "\(kind): \(result.status) \(result.stderr)")
        #expect(result.stderr.contains("not a regular file"), "\(result.stderr)")
    }

    /// Nothing escapes the root: `provision apply --root R` and `rollback --root R` never
    /// write, rename or delete outside R, whatever links R holds (absolute, relative, chained),
    /// and a failure among them says which path and why.
    @Test(arguments: [
        [("etc/netplan", "OUTSIDE/netplan")],
        [("etc/netplan", "../../outside/netplan")],
        [("etc", "OUTSIDE")],
        [("var/lib/edge-provision", "OUTSIDE/state")],
        [("var/lib/edge-provision", "../../../outside/state")],
        [("etc/hostname", "OUTSIDE/hostname")],
        [("etc/edge-imagesmith", "../../outside")],
        [("a", "b"), ("b", "../outside"), ("etc/systemd", "/a/systemd")],
        [("var/lib/edge-rollback", "OUTSIDE/state")],
        [("var/lib/edge-rollback", "../../../outside")],
        [("boot", "OUTSIDE")],
    ])
    func aRootsLinksNeverLeadAWriteOutOfIt(links: [(String, String)]) async throws {
        let directory = try TemporaryDirectory("hostile-root")
        let outside = directory.file("outside")
        for (path, text) in [("netplan/50-cloud-init.yaml", "host netplan\n"), ("hostname", "host\n"), ("state/journal.json", "{}\n"),
                             ("systemd/network/keep.network", "[Match]\n"), ("grub/grubenv", String(repeating: "#", count: 1024))] {
            try directory.write("outside/" + path, text)
        }
        try directory.write("root/etc/netplan/50-cloud-init.yaml", "image netplan\n")
        try directory.write("root/etc/machine-id", String(repeating: "b", count: 32) + "\n")
        try FileManager.default.createDirectory(atPath: directory.file("root/var/lib"), withIntermediateDirectories: true)
        for (path, target) in links {
            let full = directory.file("root/" + path)
            try? FileManager.default.removeItem(atPath: full)
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: full, withDestinationPath: target.replacingOccurrences(of: "OUTSIDE", with: outside))
        }
        let before = Self.snapshot(outside)
        let spec = BuildFixture.repository.appendingPathComponent("site-specs/store-0042.json").path
        let apply = try await run("provision", ["apply", spec, "--root", directory.file("root"), "--skip-registration"])
        #expect(Self.snapshot(outside) == before, "provision apply changed something outside the root: \(apply.stderr)")
        #expect(apply.status == 0 || apply.stderr.contains(directory.file("root")), "\(apply.status) \(apply.stderr)")
        let status = try await run("provision", ["status", "--root", directory.file("root")])
        #expect([0, 3].contains(status.status))
        let out = directory.file("build")
        let build = try await run("imagesmith", ["build", BuildFixture.repository.appendingPathComponent("packer/edge-analytics.yaml").path, "--offline", "--out", out,
                                                 "--box-package", BoxPackageFixture.path, "--templates", BuildFixture.templates])
        #expect(build.status == 0, "\(build.stderr)")
        for arguments in [["status"], ["prune", "--keep", "2"], ["repair"], ["install", out + "/edge-analytics-2026.11.1.tar.gz"]] {
            _ = try await run("rollback", arguments + ["--root", directory.file("root")])
            #expect(Self.snapshot(outside) == before, "rollback \(arguments) changed something outside the root")
        }
    }

}
