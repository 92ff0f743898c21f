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
    /// The signed statement a release was installed with (beside its bundle, not in it).
    package func signature(_ version: String) -> String { release(version) + "/release.sig" }

    // Signed releases: the root of trust the image carries, and what the box has learned
    // since (newer roots, the highest release counter installed, the newest revocation list).
    package static let bakedRoot = "/etc/edge-imagesmith/trust/root.json"
    package var bakedRoot: String { root + Self.bakedRoot }
    package var trust: String { state + "/trust" }
    package var trustRoots: String { trust + "/roots" }
    package func trustRoot(_ version: UInt64) -> String { trustRoots + "/\(version).json" }
    package var highest: String { trust + "/highest.json" }
    package var revocations: String { trust + "/revocations.json" }
    /// Extra hardware names this box answers to, one per line (a model, a board revision).
    package var hardware: String { root + "/etc/edge-imagesmith/hardware" }

    /// The kernel command line: GRUB's script passes `edge.slot=A|B` (templates/grub-ab.cfg).
    package var cmdline: String { root + "/proc/cmdline" }
}
