import Basics
import BoxConfig
import FoundationEssentials

/// Reads what the planner needs to know about the box (under `root`).
enum HostState {
    static let goldenMachineIDPath = "/etc/edge-imagesmith/golden-machine-id"

    static func read(root: String) -> BoxConfigurator.Host {
        // Leftovers already moved to the backup still count, so a run interrupted after removing
        // one plans (and journals) that removal again.
        let present = (try? FileManager.default.contentsOfDirectory(atPath: root + "/etc/netplan")) ?? []
        let backedUp = (try? FileManager.default.contentsOfDirectory(atPath: root + Journal.directory + "/backup/etc/netplan")) ?? []
        let netplan = Set(present + backedUp).filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix(".") }.sorted()
        func text(_ path: String) -> String? {
            FileManager.default.contents(atPath: root + path).map { String(decoding: $0, as: UTF8.self) }
        }
        return BoxConfigurator.Host(existingNetplanFiles: netplan, machineID: text("/etc/machine-id"),
                                    goldenMachineID: text(goldenMachineIDPath), newMachineID: randomMachineID())
    }

    /// 128 random bits as 32 lower-case hex digits (systemd's machine-id format).
    static func randomMachineID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator).paddedHex }.joined()
    }
}

/// A small line diff (longest common subsequence) for showing planned changes.
enum LineDiff {
    static func unified(old: String, new: String, path: String) -> String {
        func lines(_ text: String) -> [String] {
            var result = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if text.hasSuffix("\n") { result.removeLast() }
            return result
        }
        let a = lines(old), b = lines(new)
        var lcs = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var lines = ["--- \(path) (now)", "+++ \(path) (planned)"]
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] { lines.append(" " + a[i]); i += 1; j += 1 }
            else if i < a.count, j == b.count || lcs[i + 1][j] >= lcs[i][j + 1] { lines.append("-" + a[i]); i += 1 }
            else { lines.append("+" + b[j]); j += 1 }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
