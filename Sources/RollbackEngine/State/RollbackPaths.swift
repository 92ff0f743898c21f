/// Where `rollback` keeps its state, relative to `--root` (as in `provision`).
package struct RollbackPaths: Sendable {
    package static let stateDirectory = "/var/lib/edge-rollback"

    /// "" for the real root.
    package let root: String
    package let grubenv: String

    package init(root: String, grubenv: String?) {
        let trimmed = root == "/" ? "" : (root.hasSuffix("/") ? String(root.dropLast()) : root)
        self.root = trimmed
        self.grubenv = grubenv ?? trimmed + "/boot/grub/grubenv"
    }

    package var state: String { root + Self.stateDirectory }
    package var releases: String { state + "/releases" }
    package var incoming: String { state + "/incoming" }
    package func release(_ version: String) -> String { releases + "/" + version }
    package func bundle(_ version: String) -> String { release(version) + "/bundle" }
    package func record(_ version: String) -> String { release(version) + "/state.json" }
    package var current: String { state + "/current" }
    package var previous: String { state + "/previous" }
    package var journal: String { state + "/journal.json" }
    package var lock: String { state + "/lock" }
    /// The kernel command line: GRUB's script passes `edge.slot=A|B` (templates/grub-ab.cfg).
    package var cmdline: String { root + "/proc/cmdline" }
}
