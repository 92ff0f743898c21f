/// Where `rollback` keeps its state, relative to `--root` (as in `provision`).
struct RollbackPaths: Sendable {
    static let stateDirectory = "/var/lib/edge-rollback"

    /// "" for the real root.
    let root: String
    let grubenv: String

    init(root: String, grubenv: String?) {
        let trimmed = root == "/" ? "" : (root.hasSuffix("/") ? String(root.dropLast()) : root)
        self.root = trimmed
        self.grubenv = grubenv ?? trimmed + "/boot/grub/grubenv"
    }

    var state: String { root + Self.stateDirectory }
    var releases: String { state + "/releases" }
    var incoming: String { state + "/incoming" }
    func release(_ version: String) -> String { releases + "/" + version }
    func bundle(_ version: String) -> String { release(version) + "/bundle" }
    func record(_ version: String) -> String { release(version) + "/state.json" }
    var current: String { state + "/current" }
    var previous: String { state + "/previous" }
    var journal: String { state + "/journal.json" }
    var lock: String { state + "/lock" }
    /// The kernel command line: GRUB's script passes `edge.slot=A|B` (templates/grub-ab.cfg).
    var cmdline: String { root + "/proc/cmdline" }
}
