import ImageDefinition
import Lock

/// An offline build must use a lock made for these containers: what is wrong with `lock` for
/// `definition` (empty when it fits), each problem naming `path`.
package enum LockCheck {
    package static func problems(_ lock: LockFile, against definition: ImageDefinition, path: String) -> [String] {
        var problems: [String] = []
        if lock.image.name != definition.name {
            problems.append("\(path) is the lock of image '\(lock.image.name)', not '\(definition.name)'")
        }
        let locked = Dictionary(lock.containers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for container in definition.containers {
            guard let entry = locked[container.name] else {
                problems.append("\(path) has no entry for container '\(container.name)'")
                continue
            }
            if entry.reference != container.image {
                problems.append("\(path): container '\(container.name)' is locked as \(entry.reference) but the definition says \(container.image)")
            }
            if entry.platform != container.platform.description {
                problems.append("\(path): container '\(container.name)' is locked for \(entry.platform) but the definition says \(container.platform)")
            }
            if entry.source == .pinned && entry.platformDigest == nil {
                problems.append("\(path): container '\(container.name)' is marked pinned but has no platform_digest")
            }
        }
        for name in Set(locked.keys).subtracting(definition.containers.map(\.name)).sorted() {
            problems.append("\(path) has container '\(name)' that the definition no longer has")
        }
        return problems
    }
}
