import Foundation
import Testing
import TestSupport

/// The built executables, run as processes: exit statuses and streams as a script sees them.
@Suite struct CommandLineTests {
    static let binaries = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()

    func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> ProcessSupport.Output {
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": "/nonexistent-home"]
        env.merge(environment) { $1 }
        return try await ProcessSupport.runDetached(Self.binaries.appendingPathComponent(tool).path, arguments, environment: env)
    }

    /// One version for the three tools (and the box binary that carries two of them), from one
    /// place (Basics.ToolchainVersion), which the packages are versioned by too.
    @Test func theThreeToolsShowOneVersion() async throws {
        var versions: [String] = []
        for (tool, arguments) in [("imagesmith", ["--version"]), ("provision", ["--version"]), ("rollback", ["--version"]),
                                  ("edge-box", ["provision", "--version"]), ("edge-box", ["rollback", "--version"]), ("edge-box", ["--version"]),
                                  ("edge-box", ["agent", "--version"])] {
            let result = try await run(tool, arguments)
            #expect(result.status == 0, "\(tool): \(result.stderr)")
            versions.append(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(Set(versions).count == 1, "\(versions)")
        let parts = versions[0].split(separator: ".")
        #expect(parts.count == 3 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }, "\(versions[0])")
    }

    @Test func resolvesThroughTheExecutable() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let reference = "\(registry.host)/\(seed.multi.repository):v1"
        let result = try await run("imagesmith", ["resolve", "--insecure-registry", registry.host, "--platform", "linux/amd64", reference])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "\(reference) \(registry.host)/\(seed.multi.repository)@\(seed.multi.digest) \(registry.host)/\(seed.multi.repository)@\(seed.multi.children["linux/amd64"]!)\n")
        #expect(result.stderr.isEmpty)
    }

    // A registry known by another name where the build runs (the image lab's, which the VM
    // reaches as registry.lab.test): --resolve connects that name to this machine.
    @Test func resolveConnectsANameToAnAddress() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let named = "registry.lab.test:\(registry.port)"
        let reference = "\(named)/\(seed.single.repository):v1"
        let result = try await run("imagesmith", ["resolve", "--insecure-registry", named, "--resolve", "\(named):127.0.0.1", "--no-cache", reference])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "\(reference) \(named)/\(seed.single.repository)@\(seed.single.digest)\n")
        let unknown = try await run("imagesmith", ["resolve", "--insecure-registry", named, "--no-cache", "--deadline", "5", reference])
        #expect(unknown.status == 69, "without --resolve the name is unknown here: \(unknown.stderr)")
        await #expect(try run("imagesmith", ["resolve", "--resolve", "registry.lab.test:5055", reference]).status == 64)
        await #expect(try run("imagesmith", ["resolve", "--resolve", "registry.lab.test:5055:not-an-address", reference]).status == 64)
    }

    @Test func verboseLogsCarryNoSecrets() async throws {
        let seed = try await SeededImages.shared()
        let tokens = try await TokenServer.start(user: "robot", password: "pa55-SECRET-word")
        let registry = try await RegistryServer.start(storage: seed.storage, auth: .token(realm: tokens.realm, service: "edge-registry", issuer: "test-issuer", rootCertBundle: tokens.cert))
        let home = try TemporaryDirectory("cli-secrets")
        let auth = Data("robot:pa55-SECRET-word".utf8).base64EncodedString()
        try home.write("docker/config.json", #"{"auths": {"\#(registry.host)": {"auth": "\#(auth)"}}}"#, mode: 0o600)
        let result = try await run("imagesmith", ["resolve", "-v", "--no-cache", "--platform", "linux/amd64",
                                            "--insecure-registry", registry.host, "--insecure-registry", "127.0.0.1:\(tokens.port)",
                                            "\(registry.host)/\(seed.multi.repository):v1"],
                             environment: ["DOCKER_CONFIG": home.file("docker")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("debug"), "verbose mode logs requests")
        for secret in ["pa55-SECRET-word", auth, "eyJ", "Bearer ", "Basic "] {
            #expect(!result.stderr.contains(secret), "stderr must not contain \(secret)")
            #expect(!result.stdout.contains(secret))
        }
    }

    @Test func everyInvalidReferenceIsReportedWithExit65() async throws {
        let result = try await run("imagesmith", ["resolve", "UPPER/Case", "ok/name:v1", "bad::tag", "x@sha256:123"])
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("invalid reference 'UPPER/Case'"))
        #expect(result.stderr.contains("invalid reference 'bad::tag'"))
        #expect(result.stderr.contains("invalid reference 'x@sha256:123': 'sha256:123' is not a valid digest: sha256 needs 64 hex characters, found 3"))
        #expect(!result.stderr.contains("'ok/name:v1'"))
    }

    @Test(arguments: [
        ["resolve"],
        ["resolve", "--no-such-flag", "nginx"],
        ["resolve", "--platform", "linux", "nginx"],
        ["resolve", "--jobs", "0", "nginx"],
        ["resolve", "--ca-file", "/nonexistent/ca.pem", "nginx"],
        ["resolve", "--insecure-registry", "bad host", "nginx"],
        ["no-such-command"],
    ])
    func usageErrorsExit64(arguments: [String]) async throws {
        let result = try await run("imagesmith", arguments)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(!result.stderr.isEmpty)
    }

    @Test func unreachableRegistryExits69() async throws {
        let port = try ProcessSupport.freePort()
        let result = try await run("imagesmith", ["resolve", "--deadline", "5", "--insecure-registry", "127.0.0.1:\(port)", "127.0.0.1:\(port)/a/b:c"])
        #expect(result.status == 69)
        #expect(result.stderr.contains("cannot reach registry 127.0.0.1:\(port)"))
    }

    @Test func malformedDockerConfigExits65AndNamesTheFile() async throws {
        let home = try TemporaryDirectory("cli-config")
        let path = try home.write("config.json", #"{"auths": {"ghcr.io": {"auth": "@@@@"}}}"#)
        let result = try await run("imagesmith", ["resolve", "ghcr.io/a/b:c"], environment: ["REGISTRY_AUTH_FILE": path])
        #expect(result.status == 65)
        #expect(result.stderr.contains(path))
        #expect(result.stderr.contains("/auths/ghcr.io/auth"))
    }

    @Test func mainJobBuildsTheExampleOfflineThroughTheExecutable() async throws {
        let out = try TemporaryDirectory("cli-build")
        let repository = BuildFixture.repository.path
        let result = try await run("imagesmith", ["build", "\(repository)/packer/edge-analytics.yaml", "--offline", "--out", out.path,
                                            "--box-package", BoxPackageFixture.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("built edge-analytics 2026.11.1"))
        let committed = try Data(contentsOf: URL(fileURLWithPath: "\(repository)/packer/edge-analytics.lock.json"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: out.file("edge-analytics.lock.json"))) == committed, "the offline build keeps the committed lock byte for byte")
        #expect(FileManager.default.fileExists(atPath: out.file("edge-analytics-2026.11.1.tar.gz")))
        #expect(FileManager.default.isExecutableFile(atPath: out.file("scripts/prepull.sh")))
    }

    @Test(arguments: [
        (["build", "/nonexistent/def.yaml"], Int32(66), "cannot read the image definition /nonexistent/def.yaml"),
        (["build", "x.yaml", "--image-version", "latest"], Int32(64), "--image-version 'latest' must look like YYYY.MM.N"),
        (["diff", "/nonexistent/a.json", "/nonexistent/b.json"], Int32(66), "the lock /nonexistent/a.json does not exist"),
        (["verify", "/nonexistent/a.json"], Int32(66), "the lock /nonexistent/a.json does not exist"),
        (["diff", "/dev/zero", "/dev/zero"], Int32(66), "the lock /dev/zero is not a regular file"),
    ])
    func buildDiffVerifyExitStatuses(arguments: [String], status: Int32, message: String) async throws {
        let result = try await run("imagesmith", arguments)
        #expect(result.status == status, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test(arguments: [("imagesmith", "resolve"), ("provision", "first boot"), ("rollback", "previous release")])
    func helpWorks(tool: String, mentions: String) async throws {
        let result = try await run(tool, ["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: \(tool)"))
        #expect(result.stdout.contains(mentions))
    }
}

/// Progress while the registry work runs: on a terminal only (a pseudo-terminal made by
/// script(1) here), naming the registry waited on longest; nothing of it when stderr is a
/// pipe, as in a log or a script.
@Suite struct ProgressTests {
    @Test func progressOnATerminalAndNowhereElse() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let proxy = try await FaultProxy.start(upstream: registry, mode: "slow", extra: ["--delay", "1.5"])
        let imagesmith = CommandLineTests.binaries.appendingPathComponent("imagesmith").path
        let arguments = ["resolve", "--insecure-registry", proxy.host, "--no-cache", "--jobs", "1",
                         "\(proxy.host)/\(seed.single.repository):v1", "\(proxy.host)/\(seed.multi.repository):v1"]
        // On a terminal.
        let command = ([imagesmith] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let terminal = try await ProcessSupport.runDetached("script", ["-qec", command, "/dev/null"],
                                                            environment: ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent-home", "TERM": "xterm"])
        #expect(terminal.status == 0, "\(terminal.stdout)")
        #expect(terminal.stdout.contains("imagesmith: 0/2 resolved; waiting longest on \(proxy.host)") || terminal.stdout.contains("imagesmith: 1/2 resolved; waiting longest on \(proxy.host)"),
                "\(terminal.stdout.debugDescription)")
        #expect(terminal.stdout.contains("\r\u{1b}[K"), "the progress line is not cleared")
        #expect(terminal.stdout.contains("@\(seed.single.digest)"), "\(terminal.stdout)")
        // In a pipe: the pins, and no progress.
        let piped = try await ProcessSupport.runDetached(imagesmith, arguments, environment: ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent-home", "TERM": "xterm"])
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(!piped.stderr.contains("resolved") && !piped.stderr.contains("\u{1b}"), "\(piped.stderr.debugDescription)")
    }
}
