import Lock
import PackerTemplate

/// What a build wrote, for the command to report.
package struct BuildOutcome: Sendable {
    package var lock: LockFile
    package var lockSHA256: String
    package var outDirectory: String
    package var boxPackage: PackerTemplate.BoxPackage

    /// The summary on stdout: one line for the build, one per container, loud for anything
    /// not pinned.
    package var summary: String {
        var text = "built \(lock.image.name) \(lock.image.version) into \(outDirectory) (lock sha256 \(lockSHA256))\n"
        text += "  box tools \(boxPackage.fileName)\n"
        let width = lock.containers.map(\.name.count).max() ?? 0
        for container in lock.containers {
            let name = container.name + String(repeating: " ", count: width - container.name.count)
            switch container.source {
            case .pinned:
                text += "  pinned    \(name)  \(container.pinnedReference ?? "")\n"
            case .tag:
                text += "  tag       \(name)  \(container.taggedReference)  (\(container.note ?? "not pinned"))\n"
            case .unresolvedTag:
                text += "  UNPINNED  \(name)  \(container.taggedReference)  (\(container.note ?? "tag kept"))\n"
            case .build:
                text += "  BUILD     \(name)  \(container.taggedReference)  (\(container.note ?? "built in the image"))\n"
            }
        }
        return text
    }

    /// One warning per container the image does not pin by digest.
    package var warnings: [String] {
        lock.containers.filter { $0.source == .unresolvedTag || $0.source == .build }
            .map { "WARNING: \($0.name) is not pinned by digest: \($0.note ?? "")" }
    }
}
