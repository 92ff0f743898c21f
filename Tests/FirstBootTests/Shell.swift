import Dispatch
import Foundation
import HostIO
import TestSupport

/// Commands for the boot lab, run with the product's own `ProcessRunner` (children start
/// with a clean signal mask, whatever Swift Testing blocked), each on a thread of its own: an
/// async test never holds one of the cooperative pool's threads while it waits, and a box
/// that runs for minutes never holds one of GCD's (as many as cores: two booting boxes would
/// starve every other wait).
enum Shell {
    /// The system's directories first (sbin too: ip, losetup), then this process's PATH (swift).
    static let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "")
    static var environment: [String: String] {
        ["PATH": path, "LC_ALL": "C", "SYSTEMD_COLORS": "0", "SYSTEMD_PAGER": "", "HOME": "/root"]
    }

    static func run(_ program: String, _ arguments: [String], environment extra: [String: String] = [:], stdin: String? = nil,
                    timeout: Double = 300) async throws -> ProcessRunner.Result {
        let runner = ProcessRunner(environment: environment.merging(extra) { $1 })
        return try await onThread { try runner.run(program, arguments, stdin: stdin.map { Data($0.utf8) }, timeout: timeout) }
    }

    /// Runs blocking work on a new thread and waits for it without blocking.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.start()
        }
    }

    /// Runs and requires exit 0; returns stdout.
    @discardableResult
    static func check(_ program: String, _ arguments: [String], environment extra: [String: String] = [:], stdin: String? = nil,
                      timeout: Double = 300) async throws -> String {
        let result = try await run(program, arguments, environment: extra, stdin: stdin, timeout: timeout)
        guard result.status == 0, !result.timedOut else {
            throw FixtureError("\(program) \(arguments.joined(separator: " ")) exited \(result.status)\(result.timedOut ? " (timed out)" : ""):\n\(result.stdout)\n\(result.stderr)")
        }
        return result.stdout
    }

    /// Why the lab cannot run here, or nil when it can: it needs root (network namespaces,
    /// loop devices, systemd-nspawn) and the tools scripts/install-deps installs.
    static let missingPrerequisite: String? = {
        guard getuid() == 0 else { return "the boot lab needs root (systemd-nspawn, ip netns, losetup)" }
        let runner = ProcessRunner(environment: environment)
        for tool in ["mmdebstrap", "systemd-nspawn", "nsenter", "losetup", "mkfs.ext4", "ip", "dpkg-deb", "lintian", "openssl", "python3"]
        where runner.resolve(tool) == nil {
            return "the boot lab needs \(tool) (scripts/install-deps installs it)"
        }
        return nil
    }()

    static var repository: URL { BoxPackageBuild.repository }
}
