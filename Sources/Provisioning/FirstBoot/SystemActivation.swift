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

    package func renderNetplan() throws(ActivationError) {
        let result: ProcessRunner.Result
        do { result = try runner.run("netplan", ["generate"], timeout: 120) }
        catch { throw ActivationError(description: "\(error)") }
        guard result.status == 0 else {
            throw ActivationError(description: "netplan generate failed (exit \(result.status)): \(result.stderr.trimmed)")
        }
    }

    package func restartJournal() throws(ActivationError) {
        let result: ProcessRunner.Result
        do { result = try runner.run("systemctl", ["restart", "systemd-journald.service"], timeout: 60) }
        catch { throw ActivationError(description: "\(error)") }
        guard result.status == 0 else {
            throw ActivationError(description: "systemctl restart systemd-journald failed (exit \(result.status)): \(result.stderr.trimmed)")
        }
    }

    package func reloadNetwork() throws(ActivationError) {
        let result: ProcessRunner.Result
        do { result = try runner.run("networkctl", ["reload"], timeout: 60) }
        catch { throw ActivationError(description: "\(error)") }
        guard result.status == 0 else {
            throw ActivationError(description: "networkctl reload failed (exit \(result.status)): \(result.stderr.trimmed)")
        }
    }

    package func restartIfRunning(_ unit: String) throws(ActivationError) -> Bool {
        let active: ProcessRunner.Result
        do { active = try runner.run("systemctl", ["is-active", "--quiet", unit], timeout: 30) }
        catch { throw ActivationError(description: "\(error)") }
        guard active.status == 0 else { return false }
        let result: ProcessRunner.Result
        do { result = try runner.run("systemctl", ["try-restart", unit], timeout: 120) }
        catch { throw ActivationError(description: "\(error)") }
        guard result.status == 0 else {
            throw ActivationError(description: "systemctl try-restart \(unit) failed (exit \(result.status)): \(result.stderr.trimmed)")
        }
        return true
    }

    package func setHostname(_ name: String) throws(ActivationError) {
        let bytes = Array(name.utf8)
        guard sethostname(bytes, bytes.count) == 0 else {
            throw ActivationError(description: "cannot set the running host name to \(name): \(String(cString: strerror(errno)))")
        }
    }
}
