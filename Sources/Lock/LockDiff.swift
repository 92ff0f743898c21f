import ImageReference

/// What changed between two locks.
public struct LockDiff: Sendable, Equatable, Encodable {
    public enum Change: Sendable, Equatable, Encodable {
        case added(name: String, reference: String)
        case removed(name: String, reference: String)
        /// Same tag, new digest. `platformContentChanged` is false when only the index changed
        /// (a platform added, say) and the pulled platform's manifest is the same.
        case repinned(name: String, reference: String, from: Digest?, to: Digest?, fromPlatformDigest: Digest?, toPlatformDigest: Digest?,
                      platformContentChanged: Bool, platformsAdded: [String], platformsRemoved: [String])
        /// The reference as written changed (new tag, new repository).
        case referenceChanged(name: String, from: String, to: String, fromPlatformDigest: Digest?, toPlatformDigest: Digest?)
        case sourceChanged(name: String, from: LockFile.Source, to: LockFile.Source)

        public var name: String {
            switch self {
            case .added(let name, _), .removed(let name, _), .repinned(let name, _, _, _, _, _, _, _, _),
                 .referenceChanged(let name, _, _, _, _), .sourceChanged(let name, _, _):
                return name
            }
        }

        enum Keys: String, CodingKey {
            case kind, name, reference, from, to, fromPlatformDigest = "from_platform_digest", toPlatformDigest = "to_platform_digest"
            case platformContentChanged = "platform_content_changed", platformsAdded = "platforms_added", platformsRemoved = "platforms_removed"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            switch self {
            case .added(let name, let reference):
                try c.encode("added", forKey: .kind); try c.encode(name, forKey: .name); try c.encode(reference, forKey: .reference)
            case .removed(let name, let reference):
                try c.encode("removed", forKey: .kind); try c.encode(name, forKey: .name); try c.encode(reference, forKey: .reference)
            case .repinned(let name, let reference, let from, let to, let fromPlatform, let toPlatform, let changed, let added, let removed):
                try c.encode("repinned", forKey: .kind); try c.encode(name, forKey: .name); try c.encode(reference, forKey: .reference)
                try c.encodeIfPresent(from, forKey: .from); try c.encodeIfPresent(to, forKey: .to)
                try c.encodeIfPresent(fromPlatform, forKey: .fromPlatformDigest); try c.encodeIfPresent(toPlatform, forKey: .toPlatformDigest)
                try c.encode(changed, forKey: .platformContentChanged)
                try c.encode(added, forKey: .platformsAdded); try c.encode(removed, forKey: .platformsRemoved)
            case .referenceChanged(let name, let from, let to, let fromPlatform, let toPlatform):
                try c.encode("reference-changed", forKey: .kind); try c.encode(name, forKey: .name)
                try c.encode(from, forKey: .from); try c.encode(to, forKey: .to)
                try c.encodeIfPresent(fromPlatform, forKey: .fromPlatformDigest); try c.encodeIfPresent(toPlatform, forKey: .toPlatformDigest)
            case .sourceChanged(let name, let from, let to):
                try c.encode("source-changed", forKey: .kind); try c.encode(name, forKey: .name)
                try c.encode(from.rawValue, forKey: .from); try c.encode(to.rawValue, forKey: .to)
            }
        }
    }

    public var fromVersion: String
    public var toVersion: String
    public var changes: [Change]

    enum CodingKeys: String, CodingKey { case fromVersion = "from_version", toVersion = "to_version", changes }

    public var isEmpty: Bool { changes.isEmpty }

    /// Compares by container name; output is ordered by name.
    public init(old: LockFile, new: LockFile) {
        fromVersion = old.image.version
        toVersion = new.image.version
        let oldByName = Dictionary(old.containers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let newByName = Dictionary(new.containers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var changes: [Change] = []
        for name in Set(oldByName.keys).union(newByName.keys).sorted() {
            switch (oldByName[name], newByName[name]) {
            case (nil, let added?):
                changes.append(.added(name: name, reference: added.reference))
            case (let removed?, nil):
                changes.append(.removed(name: name, reference: removed.reference))
            case (let a?, let b?):
                if a.reference != b.reference {
                    changes.append(.referenceChanged(name: name, from: a.reference, to: b.reference, fromPlatformDigest: a.platformDigest, toPlatformDigest: b.platformDigest))
                } else if a.source != b.source {
                    changes.append(.sourceChanged(name: name, from: a.source, to: b.source))
                } else if a.digest != b.digest || a.platformDigest != b.platformDigest {
                    let before = Set((a.platforms ?? []).map(\.platform)), after = Set((b.platforms ?? []).map(\.platform))
                    changes.append(.repinned(name: name, reference: b.reference, from: a.digest, to: b.digest,
                                             fromPlatformDigest: a.platformDigest, toPlatformDigest: b.platformDigest,
                                             platformContentChanged: a.platformDigest != b.platformDigest,
                                             platformsAdded: after.subtracting(before).sorted(), platformsRemoved: before.subtracting(after).sorted()))
                }
            case (nil, nil):
                break
            }
        }
        self.changes = changes
    }

    /// Lines for people.
    public func humanReadable() -> String {
        guard !changes.isEmpty else { return "no changes between \(fromVersion) and \(toVersion)\n" }
        var lines = ["changes from \(fromVersion) to \(toVersion):"]
        for change in changes {
            switch change {
            case .added(let name, let reference):
                lines.append("  + \(name): added (\(reference))")
            case .removed(let name, let reference):
                lines.append("  - \(name): removed (\(reference))")
            case .repinned(let name, let reference, let from, let to, let fromPlatform, let toPlatform, let changed, let added, let removed):
                var line = "  ~ \(name): re-pinned \(reference) \(short(from)) -> \(short(to)); "
                line += changed ? "the pulled platform's content changed (\(short(fromPlatform)) -> \(short(toPlatform)))" : "the pulled platform's content is unchanged (only the index changed)"
                if !added.isEmpty { line += "; platforms added: \(added.joined(separator: ", "))" }
                if !removed.isEmpty { line += "; platforms removed: \(removed.joined(separator: ", "))" }
                lines.append(line)
            case .referenceChanged(let name, let from, let to, let fromPlatform, let toPlatform):
                lines.append("  ~ \(name): \(from) -> \(to) (\(short(fromPlatform)) -> \(short(toPlatform)))")
            case .sourceChanged(let name, let from, let to):
                lines.append("  ! \(name): \(from.rawValue) -> \(to.rawValue)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func short(_ digest: Digest?) -> String {
        guard let digest else { return "(none)" }
        return "\(digest.algorithm.rawValue):\(digest.encoded.prefix(12))"
    }
}
