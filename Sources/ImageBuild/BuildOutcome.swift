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

    /// What `build --json` prints: the image, where everything went, each container.
    package struct Report: Encodable, Sendable {
        package struct Container: Encodable, Sendable {
            var name: String
            var source: String
            var reference: String
            var pinned: String?
            var platform: String
            var note: String?
        }

        var image: String
        var version: String
        var outDirectory: String
        var lock: String
        var lockSHA256: String
        var template: String
        var bundle: String
        var boxPackage: String
        var containers: [Container]
        var warnings: [String]

        enum CodingKeys: String, CodingKey {
            case image, version, outDirectory = "out_directory", lock, lockSHA256 = "lock_sha256", template, bundle
            case boxPackage = "box_package", containers, warnings
        }
    }

    package var report: Report {
        let name = lock.image.name
        return Report(image: name, version: lock.image.version, outDirectory: outDirectory, lock: "\(outDirectory)/\(name).lock.json",
                      lockSHA256: lockSHA256, template: "\(outDirectory)/\(name).pkr.hcl", bundle: "\(outDirectory)/\(name)-\(lock.image.version).tar.gz",
                      boxPackage: "\(outDirectory)/\(boxPackage.fileName)",
                      containers: lock.containers.map { .init(name: $0.name, source: $0.source.rawValue, reference: $0.reference, pinned: $0.pinnedReference,
                                                              platform: $0.platform, note: $0.note) },
                      warnings: warnings)
    }

    /// One warning per container the image does not pin by digest.
    package var warnings: [String] {
        lock.containers.filter { $0.source == .unresolvedTag || $0.source == .build }
            .map { "WARNING: \($0.name) is not pinned by digest: \($0.note ?? "")" }
    }
}
