import Basics
import HostIO
import Release

/// The booted slot from `/proc/cmdline` (under the state root, so tests can write one), and
/// `systemctl reboot`.
package struct KernelCommandLine: BootedSystem {
    let files: any FileSystem
    let path: String
    let runner: ProcessRunner?

    package init(files: any FileSystem, path: String, runner: ProcessRunner?) {
        self.files = files
        self.path = path
        self.runner = runner
    }

    package func bootedSlot() -> Slot? {
        Self.slot(in: files.text(path) ?? "")
    }

    /// The value of the first `edge.slot=` word of a kernel command line.
    package static func slot(in line: String) -> Slot? {
        for word in line.split(whereSeparator: { $0 == " " || $0 == "\n" }) where word.hasPrefix("edge.slot=") {
            return Slot(rawValue: String(word.dropFirst("edge.slot=".count)))
        }
        return nil
    }

    package func reboot() -> String? {
        guard let runner else { return "no process runner to ask systemd with" }
        do {
            let result = try runner.run("systemctl", ["reboot"], timeout: 60)
            return result.status == 0 ? nil : "systemctl reboot failed (exit \(result.status)): \(result.stderr.trimmed)"
        } catch { return error.description }
    }
}
