import Basics
import ImageDefinition
import ImageReference
import Lock

/// A lock read back for an offline build is checked, not trusted: every field the build uses
/// must agree with the definition, and the lock the build goes on with is rebuilt from the
/// definition's own values. The lock contributes only what the definition cannot know (the
/// digests, media type, size and platforms it resolved, and when), each already a validated
/// value; names, references, repositories, tags, platforms and build contexts come from the
/// definition, so a tampered lock can refuse a build but never change what it pins.
package enum LockCheck {
    /// The lock to build from, or every problem found (each naming `path` and the field, as a
    /// JSON Pointer into the lock). `keepUnresolvedTags` is the build's
    /// `--keep-unresolved-tags`: with it a lock may keep any pinned container on its tag.
    package static func trusted(_ lock: LockFile, for definition: ImageDefinition, path: String,
                                keepUnresolvedTags: Bool = false) -> Result<LockFile, LockRefusal> {
        var problems: [String] = []
        func problem(_ pointer: String, _ text: String) { problems.append("\(path) \(pointer): \(text)") }

        if lock.image.name != definition.name {
            problem("/image/name", "the lock is of image '\(lock.image.name.printable)', not '\(definition.name)'")
        }
        if ImageVersion(parsing: lock.image.version) == nil {
            problem("/image/version", "'\(lock.image.version.printable)' is not a version YYYY.MM.N (ASCII digits, e.g. 2026.11.1)")
        }
        if lock.definitionSHA256.utf8.count != 64 || !lock.definitionSHA256.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) {
            problem("/definition_sha256", "'\(lock.definitionSHA256.printable)' is not a sha256 (64 lowercase hex digits)")
        }

        var byName: [String: (index: Int, entry: LockFile.Container)] = [:]
        for (index, entry) in lock.containers.enumerated() {
            if let first = byName[entry.name] {
                problem("/containers/\(index)/name", "container '\(entry.name.printable)' is listed twice (first at /containers/\(first.index)); a lock lists each container once")
            } else {
                byName[entry.name] = (index, entry)
            }
        }

        var containers: [LockFile.Container] = []
        for container in definition.containers {
            guard let (index, entry) = byName[container.name] else {
                problem("/containers", "there is no entry for container '\(container.name)'")
                continue
            }
            let at = "/containers/\(index)"
            var trusted = LockFile.Container(name: container.name, reference: container.image, repository: container.reference.name,
                                             tag: container.reference.tag?.value, source: entry.source, platform: container.platform.description)
            if entry.reference != container.image {
                problem("\(at)/reference", "container '\(container.name)' is locked as \(entry.reference.printable) but the definition says \(container.image)")
            }
            if entry.repository != trusted.repository {
                problem("\(at)/repository", "container '\(container.name)' is locked to repository \(entry.repository.printable) but the definition names \(trusted.repository)")
            }
            if entry.tag != trusted.tag {
                problem("\(at)/tag", "container '\(container.name)' is locked with tag \(entry.tag.map { "'\($0.printable)'" } ?? "none") but the definition names \(trusted.tag.map { "'\($0)'" } ?? "none")")
            }
            if entry.platform != trusted.platform {
                problem("\(at)/platform", "container '\(container.name)' is locked for \(entry.platform.printable) but the definition says \(container.platform)")
            }
            switch (entry.source, container.pin) {
            case (.tag, false):
                trusted.note = "pin: false in the definition; this stateful service stays on its tag"
            case (_, false):
                problem("\(at)/source", "container '\(container.name)' is '\(entry.source.rawValue)' in the lock but the definition says pin: false (expected 'tag')")
            case (.tag, true):
                problem("\(at)/source", "container '\(container.name)' is pinned by the definition; a lock cannot unpin it (source 'tag' is only for pin: false)")
            case (.pinned, true):
                if let digest = entry.platformDigest {
                    trusted.platformDigest = digest
                    trusted.digest = entry.digest ?? digest
                    trusted.mediaType = entry.mediaType.flatMap(Self.mediaType)
                    trusted.size = entry.size.flatMap { $0 >= 0 ? $0 : nil }
                    trusted.platforms = entry.platforms.map { $0.filter { (try? Platform(parsing: $0.platform)) != nil } }
                    trusted.resolvedAt = entry.resolvedAt.flatMap { Timestamp.parseISO8601($0) != nil ? $0 : nil }
                } else {
                    problem("\(at)/platform_digest", "container '\(container.name)' is marked pinned but has no platform_digest")
                }
            case (.unresolvedTag, true):
                if container.onUnresolved == .keepTag || keepUnresolvedTags {
                    trusted.note = "the tag could not be resolved when the lock was made; kept on its tag by on_unresolved: keep-tag"
                } else {
                    problem("\(at)/source", "container '\(container.name)' is kept on its tag in the lock, but the definition says on_unresolved: fail (give --keep-unresolved-tags to allow it)")
                }
            case (.build, true):
                if let build = container.build {
                    if entry.buildContext != build.context || entry.dockerfile != build.dockerfile {
                        problem("\(at)/build_context", "container '\(container.name)' is built from \((entry.buildContext ?? "nothing").printable) (\((entry.dockerfile ?? "no Dockerfile").printable)) in the lock but from \(build.context) (\(build.dockerfile)) in the definition")
                    }
                    trusted.buildContext = build.context
                    trusted.dockerfile = build.dockerfile
                    trusted.note = "the pre-built image does not exist in the registry; the image build builds it from \(build.context)"
                } else {
                    problem("\(at)/source", "container '\(container.name)' is to be built in the lock but the definition gives it no build context")
                }
            }
            containers.append(trusted)
        }
        let known = Set(definition.containers.map(\.name))
        for (name, value) in byName.sorted(by: { $0.value.index < $1.value.index }) where !known.contains(name) {
            problem("/containers/\(value.index)/name", "container '\(name.printable)' is not in the definition")
        }
        guard problems.isEmpty else { return .failure(LockRefusal(problems: problems)) }
        var result = LockFile(image: .init(name: definition.name, version: lock.image.version),
                              definitionSHA256: lock.definitionSHA256, containers: containers)
        result.schemaVersion = lock.schemaVersion
        return .success(result)
    }

    /// What `trusted` reports, as a list (for tests and callers that only list).
    package static func problems(_ lock: LockFile, against definition: ImageDefinition, path: String) -> [String] {
        switch trusted(lock, for: definition, path: path) {
        case .success: []
        case .failure(let refusal): refusal.problems
        }
    }

    /// A media type as registries send them (`type/subtype+suffix`), or nil.
    static func mediaType(_ text: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+-_/")
        return text.count <= 255 && text.filter({ $0 == "/" }).count == 1 && text.allSatisfy(allowed.contains) ? text : nil
    }
}

/// Why a lock cannot be built from: one line per problem.
package struct LockRefusal: Error, Sendable, Equatable {
    package var problems: [String]
}
