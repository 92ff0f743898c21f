import Basics
import BoxConfig
import FoundationEssentials

/// Reads what the planner needs to know about the box (under `root`).
package enum HostState {
    static let goldenMachineIDPath = "/etc/edge-imagesmith/golden-machine-id"

    package static func read(_ context: ProvisionContext) -> BoxConfigurator.Host {
        // Leftovers already moved to the backup still count, so a run interrupted after removing
        // one plans (and journals) that removal again.
        let present = (try? context.files.list(context.path("/etc/netplan"))) ?? []
        let backedUp = (try? context.files.list(context.path(Journal.directory + "/backup/etc/netplan"))) ?? []
        let netplan = Set(present + backedUp).filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix(".") }.sorted()
        func text(_ path: String) -> String? { context.files.text(context.path(path)) }
        return BoxConfigurator.Host(existingNetplanFiles: netplan, machineID: text("/etc/machine-id"),
                                    goldenMachineID: text(goldenMachineIDPath), newMachineID: context.newMachineID())
    }

    /// 128 random bits as 32 lower-case hex digits (systemd's machine-id format).
    static func randomMachineID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator).paddedHex }.joined()
    }
}
