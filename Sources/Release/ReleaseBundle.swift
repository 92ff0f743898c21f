import Basics
import FoundationEssentials
import ImageReference
import Lock

/// A release bundle's files, checked: every entry a plain file at a safe relative path, every
/// file listed in `SHA256SUMS` with a matching sum, and `release.json`, the lock and the
/// compose files present and agreeing with each other. Pure: it receives the entries read by
/// the archive adapter and a hash function.
public struct ReleaseBundle: Sendable {
    /// The file names every bundle carries besides its lock.
    public static let requiredFiles = ["release.json", "SHA256SUMS", "compose.yml", "docker-compose.pinned.yml", "health-checks.json"]

    public var manifest: ReleaseManifest
    public var lock: LockFile
    /// File name → contents, as shipped (SHA256SUMS included).
    public var files: [String: [UInt8]]

    public var version: String { manifest.version }

    /// One archive entry as the adapter saw it.
    public struct Entry: Sendable {
        public enum Kind: Sendable, Equatable { case file, directory, symlink(target: String), hardlink(target: String), other }
        public var path: String
        public var kind: Kind
        public var contents: [UInt8]

        public init(path: String, kind: Kind, contents: [UInt8]) {
            self.path = path
            self.kind = kind
            self.contents = contents
        }
    }

    /// Checks the entries of a bundle. `sha256` returns lower-case hex.
    public init(entries: [Entry], sha256: ([UInt8]) -> String) throws(ReleaseError) {
        // 1. Every entry: a safe relative path, a regular file or a directory.
        var plain: [(components: [String], contents: [UInt8])] = []
        var seen = Set<String>()
        for entry in entries {
            // "./" (what `tar -C dir .` writes first) names the archive's own top.
            if entry.kind == .directory, entry.path.split(separator: "/").allSatisfy({ $0 == "." }) { continue }
            let components = try Self.safeComponents(entry.path)
            switch entry.kind {
            case .file: break
            case .directory: continue
            case .symlink(let target): throw .unsafeEntry(path: entry.path, reason: "it is a symbolic link (to '\(target)'); bundles hold regular files only")
            case .hardlink(let target): throw .unsafeEntry(path: entry.path, reason: "it is a hard link (to '\(target)'); bundles hold regular files only")
            case .other: throw .unsafeEntry(path: entry.path, reason: "it is a device, FIFO or other special file; bundles hold regular files only")
            }
            guard seen.insert(components.joined(separator: "/")).inserted else {
                throw .unsafeEntry(path: entry.path, reason: "it appears twice in the bundle")
            }
            plain.append((components, entry.contents))
        }
        // 2. Files sit directly in the bundle, or all under one top-level directory.
        var files: [String: [UInt8]] = [:]
        let tops = Set(plain.map { $0.components.count > 1 ? $0.components[0] : "" })
        let strip = tops.count == 1 && tops.first != "" ? 1 : 0
        for (components, contents) in plain {
            let inner = Array(components.dropFirst(strip))
            guard inner.count == 1 else {
                throw .unsafeEntry(path: components.joined(separator: "/"), reason: "bundles are flat (one directory at most around their files)")
            }
            files[inner[0]] = contents
        }
        // 3. SHA256SUMS covers every other file, and every sum matches.
        guard let sumsBytes = files["SHA256SUMS"] else { throw .invalidBundle("the bundle has no SHA256SUMS") }
        var sums: [String: String] = [:]
        for (number, line) in String(decoding: sumsBytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].count == 64, parts[0].allSatisfy(\.isASCIIHexDigit), parts[1].hasPrefix(" ") || parts[1].hasPrefix("*") else {
                throw .invalidBundle("SHA256SUMS line \(number + 1) is not '<sha256>  <file>'")
            }
            sums[String(parts[1].dropFirst())] = parts[0].lowercased()
        }
        var problems: [String] = []
        for name in files.keys.sorted() where name != "SHA256SUMS" {
            guard let expected = sums[name] else { problems.append("\(name) is not listed in SHA256SUMS"); continue }
            let actual = sha256(files[name] ?? [])
            if actual != expected { problems.append("\(name) has sha256 \(actual), SHA256SUMS says \(expected)") }
        }
        for name in sums.keys.sorted() where files[name] == nil { problems.append("\(name) is listed in SHA256SUMS but missing") }
        guard problems.isEmpty else { throw .invalidBundle("the bundle does not match its SHA256SUMS: " + problems.joined(separator: "; ")) }
        for name in Self.requiredFiles where files[name] == nil { problems.append(name) }
        guard problems.isEmpty else { throw .invalidBundle("the bundle lacks " + problems.joined(separator: ", ")) }

        // 4. release.json, and the lock it names.
        let manifest = try ReleaseManifest(decoding: files["release.json"] ?? [])
        let lockName = "\(manifest.image).lock.json"
        guard let lockBytes = files[lockName] else { throw .invalidBundle("the bundle lacks \(lockName), the lock release.json names") }
        guard sha256(lockBytes) == manifest.lockSHA256 else {
            throw .invalidBundle("\(lockName) has sha256 \(sha256(lockBytes)), release.json says \(manifest.lockSHA256)")
        }
        let lock: LockFile
        do { lock = try LockFile.decode(lockBytes, path: lockName) } catch { throw .invalidBundle(error.description) }
        guard lock.image.name == manifest.image, lock.image.version == manifest.version else {
            throw .invalidBundle("\(lockName) is for \(lock.image.name) \(lock.image.version), release.json for \(manifest.image) \(manifest.version)")
        }
        let listed = Set(manifest.files), shipped = Set(files.keys).subtracting(["SHA256SUMS"])
        guard listed == shipped else {
            throw .invalidBundle("release.json lists files [\(manifest.files.sorted().joined(separator: ", "))], the bundle has [\(shipped.sorted().joined(separator: ", "))]")
        }
        _ = try HealthCheckFile(decoding: files["health-checks.json"] ?? [])
        self.manifest = manifest
        self.lock = lock
        self.files = files
    }

    /// Splits a bundle path into components, refusing absolute paths, `..`, empty or control
    /// characters, and names that would hide (`.`-prefixed temporaries are ours).
    static func safeComponents(_ path: String) throws(ReleaseError) -> [String] {
        guard !path.hasPrefix("/") else { throw .unsafeEntry(path: path, reason: "it is an absolute path") }
        guard !path.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }) else { throw .unsafeEntry(path: path, reason: "it contains control characters") }
        let components = path.split(separator: "/").map(String.init).filter { $0 != "." }
        guard !components.isEmpty else { throw .unsafeEntry(path: path, reason: "it has no name") }
        for component in components {
            if component == ".." { throw .unsafeEntry(path: path, reason: "it climbs out of the bundle with '..'") }
            if component.hasPrefix(".") { throw .unsafeEntry(path: path, reason: "hidden names are not part of a bundle") }
        }
        return components
    }
}

/// `release.json`, as `imagesmith build` writes it.
public struct ReleaseManifest: Sendable, Equatable, Codable {
    public var schemaVersion: Int
    public var image: String
    public var version: String
    public var lockSHA256: String
    public var files: [String]
    public var gitCommit: String?
    public var definitionSHA256: String?
    /// The compose project the services run as (`edge` when a bundle predates the field).
    public var composeProject: String?
    /// The images this release's OS image is built on (its base disk or AMI), by sha256, as
    /// the build was told: what a signed release names as its parents, so that revoking a
    /// parent revokes the release.
    public var parents: [ParentImage]?

    public struct ParentImage: Sendable, Equatable, Codable {
        public var name: String
        /// Lower-case hex, 64 digits.
        public var sha256: String

        public init(name: String, sha256: String) {
            self.name = name
            self.sha256 = sha256
        }
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", image, version, lockSHA256 = "lock_sha256", files, gitCommit = "git_commit"
        case definitionSHA256 = "definition_sha256", composeProject = "compose_project", parents
    }

    /// What `imagesmith build` writes.
    public init(image: String, version: String, lockSHA256: String, definitionSHA256: String?, gitCommit: String?,
                composeProject: String?, files: [String], parents: [ParentImage]? = nil) {
        self.parents = parents
        self.schemaVersion = 1
        self.image = image
        self.version = version
        self.lockSHA256 = lockSHA256
        self.definitionSHA256 = definitionSHA256
        self.gitCommit = gitCommit
        self.composeProject = composeProject
        self.files = files
    }

    public var project: String { composeProject ?? "edge" }

    public init(decoding bytes: [UInt8]) throws(ReleaseError) {
        let manifest: ReleaseManifest
        do { manifest = try JSONDecoder().decode(ReleaseManifest.self, from: Data(bytes)) }
        catch { throw .invalidBundle("release.json is not valid: \(DecodingFailure.describe(error))") }
        guard manifest.schemaVersion == 1 else { throw .invalidBundle("release.json has schema_version \(manifest.schemaVersion); this rollback reads 1") }
        guard ImageVersion(parsing: manifest.version) != nil else {
            throw .invalidBundle("release.json has version '\(manifest.version)'; expected YYYY.MM.N")
        }
        guard !manifest.image.isEmpty, manifest.image.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) else {
            throw .invalidBundle("release.json has image name '\(manifest.image)'; expected letters, digits, '-', '_' or '.'")
        }
        if let project = manifest.composeProject, project.isEmpty || !project.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }) {
            throw .invalidBundle("release.json has compose_project '\(project)'; expected lower-case letters, digits, '-' and '_'")
        }
        for (index, parent) in (manifest.parents ?? []).enumerated() {
            guard parent.sha256.utf8.count == 64, parent.sha256.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
                throw .invalidBundle("release.json /parents/\(index)/sha256 is not 64 lower-case hex digits")
            }
            guard !parent.name.isEmpty, parent.name.utf8.count <= 200, !parent.name.hasControlCharacters else {
                throw .invalidBundle("release.json /parents/\(index)/name must be 1 to 200 printable characters")
            }
        }
        self = manifest
    }
}
