import ArgumentParser
import Basics
import FoundationEssentials
import HTTPCore
import HostIO
import Provisioning
import Transport

/// The real world for provisioning's engine: the disk under --root, the system clock, stdout
/// and stderr, libcurl for HTTPS.
enum ProvisionWiring {
    static func context(root: String) -> ProvisionContext {
        ProvisionContext(root: root, files: LocalFileSystem(), clock: SystemClock(),
                         crashPoints: CrashPoints(variable: "PROVISION_CRASH_AT", environment: ProcessInfo.processInfo.environment),
                         say: { print($0) }, warn: { StandardStreams.error($0 + "\n") })
    }

    static let userAgent = "edge-provision/\(ToolchainVersion.current)"

    /// HTTPS to the dashboard, trusting `caFile` when the spec pins a CA.
    static let registrationTransport: @Sendable (String?) -> any HTTPTransport = { caFile in
        CurlTransport(caFile: caFile, userAgent: userAgent)
    }

    /// Prints an engine error as provision does and exits with its status.
    static func fail(_ error: ProvisionError) -> ExitCode {
        StandardStreams.error("provision: \(error.description)\n")
        return ExitCode(error.exitStatus.rawValue)
    }
}
