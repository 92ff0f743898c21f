import Basics
import FoundationEssentials
import HostIO

/// util-linux's `blkid` (which reads udev's /dev/disk/by-label when udev runs and probes the
/// devices itself when it does not, as in a container) and `mount`/`umount`. The volume is
/// mounted read-only, nosuid, nodev and noexec: nothing on it can run or be written.
package struct SystemVolumes: VolumeAccess {
    package init() {}
    var runner = ProcessRunner(environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"])

    package func device(label: String) -> String? {
        let byLabel = "/dev/disk/by-label/\(label)"
        if FileManager.default.fileExists(atPath: byLabel) { return byLabel }
        guard let result = try? runner.run("blkid", ["-l", "-o", "device", "-t", "LABEL=\(label)"], timeout: 30),
              result.status == 0 else { return nil }
        let device = result.stdout.trimmed
        return device.hasPrefix("/dev/") ? device : nil
    }

    package func mount(_ device: String, at directory: String) throws(VolumeError) {
        let result: ProcessRunner.Result
        do { result = try runner.run("mount", ["-o", "ro,nosuid,nodev,noexec", device, directory], timeout: 60) }
        catch { throw VolumeError(description: "\(error)") }
        guard result.status == 0 else {
            throw VolumeError(description: "mount \(device) failed (exit \(result.status)): \(result.stderr.trimmed)")
        }
    }

    package func unmount(_ directory: String) {
        _ = try? runner.run("umount", [directory], timeout: 60)
    }
}
