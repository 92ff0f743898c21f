import Basics
import BoxConfig
import HostIO

/// What `provision plan` reports: each planned file against what is on disk now, as entries
/// (for `--json`) and as text.
package enum PlanReport {
    package struct Entry: Encodable, Equatable, Sendable {
        /// create, replace, unchanged, link, remove.
        package var change: String
        package var path: String
        package var mode: String?
        package var target: String?
        package var currentTarget: String?
        package var reason: String?
        /// A unified diff (replace) or the new text with `+` on each line (create).
        package var diff: String?

        enum CodingKeys: String, CodingKey { case change, path, mode, target, currentTarget = "current_target", reason, diff }
    }

    package static func entries(_ plan: FilePlan, context: ProvisionContext) -> [Entry] {
        let files = context.files
        var entries: [Entry] = []
        for action in plan.actions {
            let onDisk = context.path(action.path)
            switch action {
            case .write(let path, let contents, let mode):
                let planned = String(decoding: contents, as: UTF8.self)
                let modeText = String(mode, radix: 8)
                if let current = files.text(onDisk) {
                    if current == planned && files.permissions(onDisk) == UInt32(mode) {
                        entries.append(Entry(change: "unchanged", path: path, mode: modeText))
                    } else if path == "/etc/machine-id" {
                        entries.append(Entry(change: "replace", path: path, mode: modeText,
                                             reason: "a new random id (the current one is missing or the golden image's)"))
                    } else {
                        entries.append(Entry(change: "replace", path: path, mode: modeText, diff: LineDiff.unified(old: current, new: planned, path: path)))
                    }
                } else {
                    let added = planned.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { "+" + $0 }.joined(separator: "\n") + "\n"
                    entries.append(Entry(change: "create", path: path, mode: modeText, diff: added))
                }
            case .symlink(let path, let target):
                let current = files.linkTarget(onDisk)
                entries.append(Entry(change: current == target ? "unchanged" : "link", path: path, target: target,
                                     currentTarget: current == target ? nil : current))
            case .remove(let path, let reason):
                if files.exists(onDisk) { entries.append(Entry(change: "remove", path: path, reason: reason + " (a backup is kept)")) }
            }
        }
        return entries
    }

    package static func render(_ plan: FilePlan, context: ProvisionContext) -> String {
        var out = ""
        for entry in entries(plan, context: context) {
            let change = entry.change + String(repeating: " ", count: max(1, 11 - entry.change.count))
            switch entry.change {
            case "link", "unchanged" where entry.target != nil:
                out += "\(change)\(entry.path) -> \(entry.target ?? "")" + (entry.currentTarget.map { " (now -> \($0.printable))" } ?? "") + "\n"
            case "remove":
                out += "\(change)\(entry.path): \(entry.reason ?? "")\n"
            default:
                out += "\(change)\(entry.path) (\(entry.mode ?? ""))" + (entry.reason.map { ": \($0)" } ?? "") + "\n" + (entry.diff ?? "")
            }
        }
        return out
    }
}
