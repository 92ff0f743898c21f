import Basics
import HostIO

/// What provisioning's engine receives rather than reaches for: the root it writes under
/// ("" for the box itself), the file system, the clock, crash points for the kill-at-every-
/// step tests, and where progress (`say`, stdout on a box) and problems (`warn`, stderr) go.
package struct ProvisionContext: Sendable {
    package let root: String
    package let files: any FileSystem
    package let clock: any WallClock
    package let crashPoints: CrashPoints
    package let say: @Sendable (String) -> Void
    package let warn: @Sendable (String) -> Void
    /// A fresh machine id (128 random bits; fixed in tests, so two runs can be compared).
    package let newMachineID: @Sendable () -> String

    package init(root: String, files: any FileSystem, clock: any WallClock = SystemClock(), crashPoints: CrashPoints = .inert,
                 say: @escaping @Sendable (String) -> Void, warn: @escaping @Sendable (String) -> Void,
                 newMachineID: @escaping @Sendable () -> String = { HostState.randomMachineID() }) {
        self.newMachineID = newMachineID
        self.root = root == "/" ? "" : root
        self.files = files
        self.clock = clock
        self.crashPoints = crashPoints
        self.say = say
        self.warn = warn
    }

    /// `path` on the box, under the root.
    package func path(_ path: String) -> String { root + path }

    package func timestamp() -> String { Timestamp.iso8601(clock.now()) }
}
