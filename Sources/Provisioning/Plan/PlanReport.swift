import BoxConfig
import HostIO

/// What `provision plan` prints: each planned file against what is on disk now.
package enum PlanReport {
    package static func render(_ plan: FilePlan, context: ProvisionContext) -> String {
        let files = context.files
        var out = ""
        for action in plan.actions {
            let onDisk = context.path(action.path)
            switch action {
            case .write(let path, let contents, let mode):
                let planned = String(decoding: contents, as: UTF8.self)
                let modeText = String(mode, radix: 8)
                if let current = files.text(onDisk) {
                    if current == planned {
                        out += "unchanged  \(path) (\(modeText))\n"
                    } else if path == "/etc/machine-id" {
                        out += "replace    \(path) (\(modeText)): a new random id (the current one is missing or the golden image's)\n"
                    } else {
                        out += "replace    \(path) (\(modeText))\n" + LineDiff.unified(old: current, new: planned, path: path)
                    }
                } else {
                    out += "create     \(path) (\(modeText))\n" + planned.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { "+" + $0 }.joined(separator: "\n") + "\n"
                }
            case .symlink(let path, let target):
                let current = files.linkTarget(onDisk)
                out += current == target ? "unchanged  \(path) -> \(target)\n" : "link       \(path) -> \(target)" + (current.map { " (now -> \($0))" } ?? "") + "\n"
            case .remove(let path, let reason):
                out += files.exists(onDisk) ? "remove     \(path): \(reason) (a backup is kept)\n" : ""
            }
        }
        return out
    }
}
