import Basics
import FoundationEssentials
import HostIO
#if canImport(Glibc)
import Glibc
#endif

/// The running system: netplan's own generator, sethostname(2), systemctl.
package struct SystemActivation: Activation {
    package init() {}
    var runner = ProcessRunner(environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"])

    /// Runs one command; its exit status (a failure to start it is an error).
    func status(_ program: String, _ arguments: [String], timeout: Double) throws(ActivationError) -> ProcessRunner.Result {
        do { return try runner.run(program, arguments, timeout: timeout) }
        catch { throw ActivationError(description: "\(error)") }
    }

    /// Runs one command that must succeed.
    func require(_ program: String, _ arguments: [String], timeout: Double) throws(ActivationError) {
        let result = try status(program, arguments, timeout: timeout)
        guard result.status == 0 else {
            throw ActivationError(description: "\(program) \(arguments.joined(separator: " ")) failed (exit \(result.status)): \(result.stderr.trimmed)")
        }
    }

    package func renderNetplan() throws(ActivationError) { try require("netplan", ["generate"], timeout: 120) }

    package func restartJournal() throws(ActivationError) { try require("systemctl", ["restart", "systemd-journald.service"], timeout: 60) }

    package func reloadNetwork() throws(ActivationError) { try require("networkctl", ["reload"], timeout: 60) }

    package func restartIfRunning(_ unit: String) throws(ActivationError) -> Bool {
        guard try status("systemctl", ["is-active", "--quiet", unit], timeout: 30).status == 0 else { return false }
        try require("systemctl", ["try-restart", unit], timeout: 120)
        return true
    }

    package func setHostname(_ name: String) throws(ActivationError) {
        let bytes = Array(name.utf8)
        guard sethostname(bytes, bytes.count) == 0 else {
            throw ActivationError(description: "cannot set the running host name to \(name): \(String(cString: strerror(errno)))")
        }
    }
}
