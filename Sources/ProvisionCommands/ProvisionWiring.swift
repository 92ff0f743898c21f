import ArgumentParser
import Basics
import FoundationEssentials
import HTTPCore
import HostIO
import Provisioning
import SiteSpec
import Transport

/// The real world for provisioning's engine: the disk under --root, the system clock, stdout
/// and stderr, libcurl for HTTPS.
enum ProvisionWiring {
    /// The disk as the engine sees it: the running system's for `/`; under any other root, a
    /// `RootedFileSystem`, which never reads or changes anything outside that root, whatever
    /// links the root holds.
    static func context(root: String, json: Bool = false) -> ProvisionContext {
        let rooted = RootedFileSystem(root: root)
        let live = rooted.root == "/"
        // With --json, stdout is the JSON document alone: progress goes to stderr.
        let say: @Sendable (String) -> Void = { (line: String) in
            if json { StandardStreams.error(line + "\n") } else { StandardStreams.output(line + "\n") }
        }
        let files: any FileSystem = live ? LocalFileSystem() : rooted
        return ProvisionContext(root: live ? "/" : rooted.root, files: files, clock: SystemClock(),
                                crashPoints: CrashPoints(variable: "PROVISION_CRASH_AT", environment: ProcessInfo.processInfo.environment),
                                say: say, warn: { StandardStreams.error($0 + "\n") })
    }

    static let userAgent = "edge-provision/\(ToolchainVersion.current)"

    /// `--registration-deadline`: a finite number of seconds, 1 to 3600 (nan, inf and 1e19
    /// are refused here, before any arithmetic on them).
    static func checkRegistrationDeadline(_ seconds: Double) throws {
        guard seconds.isFinite, seconds >= 1, seconds <= 3600 else {
            throw ValidationError("--registration-deadline must be 1 to 3600 seconds, not \(seconds)")
        }
    }

    /// HTTPS to the dashboard, trusting `caFile` when the spec pins a CA.
    static let registrationTransport: @Sendable (String?) -> any HTTPTransport = { caFile in
        CurlTransport(caFile: caFile, userAgent: userAgent)
    }

    /// Prints an engine error as provision does (and, with `json`, as JSON on stdout) and
    /// exits with its status.
    static func fail(_ error: ProvisionError, json: Bool = false) -> ExitCode {
        StandardStreams.error("provision: \(error.description)\n")
        if json { printJSON(ErrorReport(error: error.description, status: error.exitStatus, issues: error.issues)) }
        return ExitCode(error.exitStatus.rawValue)
    }

    static func printJSON(_ value: some Encodable) {
        StandardStreams.output(CanonicalJSON.encode(value))
    }

    /// Registers the box (journaled, retried within `deadline` seconds) and exits with the
    /// registration's status unless it succeeded: what apply and register share.
    static func register(_ spec: SiteSpec, context: ProvisionContext, deadline seconds: Double, journal: inout Journal) async throws {
        let code = await RegistrationStep.run(spec: spec, context: context, deadline: .milliseconds(Int64(seconds * 1000)),
                                              journal: &journal, transport: registrationTransport)
        if code != .success { throw ExitCode(code.rawValue) }
    }
}
