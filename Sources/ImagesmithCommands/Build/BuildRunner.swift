import Archive
import Basics
import BuildPolicy
import Foundation
import Hashing
import HostIO
import ImageDefinition
import ImageReference
import Lock
import Logging
import PackerTemplate
import RegistryClient

/// The work behind `imagesmith build`, callable from tests. Returns the exit status.
public struct BuildRunner: Sendable {
    public var definitionPath: String
    public var outDirectory: String
    public var lockPath: String?
    public var offline: Bool
    public var imageVersion: String?
    public var prebuiltOnly: Bool
    public var keepUnresolvedTags: Bool
    public var templatesDirectory: String?
    /// The box package (`scripts/package`) the image installs; nil: `IMAGESMITH_BOX_PACKAGE`,
    /// else the one shipped beside an installed imagesmith.
    public var boxPackagePath: String?
    public var registry: RegistrySetup
    public var environment: [String: String]
    public var output: CommandOutput
    /// The build's clock: `SOURCE_DATE_EPOCH` when set, else now.
    public var now: Date

    public init(definitionPath: String, outDirectory: String, lockPath: String? = nil, offline: Bool = false, imageVersion: String? = nil,
                prebuiltOnly: Bool = false, keepUnresolvedTags: Bool = false, templatesDirectory: String? = nil, boxPackagePath: String? = nil,
                registry: RegistrySetup = RegistrySetup(), environment: [String: String], output: CommandOutput, now: Date? = nil) {
        self.definitionPath = definitionPath
        self.outDirectory = outDirectory
        self.lockPath = lockPath
        self.offline = offline || lockPath != nil
        self.imageVersion = imageVersion
        self.prebuiltOnly = prebuiltOnly
        self.keepUnresolvedTags = keepUnresolvedTags
        self.templatesDirectory = templatesDirectory
        self.boxPackagePath = boxPackagePath
        self.registry = registry
        self.environment = environment
        self.output = output
        self.now = now ?? environment["SOURCE_DATE_EPOCH"].flatMap(TimeInterval.init).map(Date.init(timeIntervalSince1970:)) ?? Date()
    }

    static func isValidVersion(_ text: String) -> Bool { ImageVersion(parsing: text) != nil }

    public func run() async -> ExitStatus {
        do {
            try await build()
            return .success
        } catch let failure as BuildError {
            for message in failure.messages { output.writeErr("imagesmith: \(message)\n") }
            return failure.exitStatus
        } catch {
            output.writeErr("imagesmith: \(error)\n")
            return .failure
        }
    }

    // MARK: Steps

    func build() async throws {
        // 1. Read and validate the definition and everything it names. Nothing is written
        //    before all of it checks out.
        guard let definitionData = FileManager.default.contents(atPath: definitionPath) else {
            throw BuildError.noInput(["cannot read the image definition \(definitionPath)"])
        }
        let definition: ImageDefinition
        do { definition = try ImageDefinition.parse(String(decoding: definitionData, as: UTF8.self), file: definitionPath) }
        catch { throw BuildError.badData([error.description]) }
        let definitionDirectory = (definitionPath as NSString).deletingLastPathComponent.nonEmpty ?? "."
        try checkReferencedFiles(definition, in: definitionDirectory)
        let templates = try findTemplates(definitionDirectory)
        let box = try findBoxPackage()
        let definitionSHA256 = try Hash.hex(definitionData)

        // 2. The lock: read (offline) or resolved now.
        let lockName = "\(definition.name).lock.json"
        let previousPath = "\(outDirectory)/\(lockName)"
        let previous = try readLock(previousPath, missingOK: true)
        var lock: LockFile
        if offline || lockPath != nil {
            let path = lockPath ?? (FileManager.default.fileExists(atPath: previousPath) ? previousPath : "\(definitionDirectory)/\(lockName)")
            guard let found = try readLock(path, missingOK: true) else {
                throw BuildError.noInput(["no lock to build from offline: \(path) does not exist (give --lock FILE, or build once without --offline)"])
            }
            lock = found
            try checkLock(lock, matches: definition, path: path)
            if lock.definitionSHA256 != definitionSHA256 {
                output.writeErr("imagesmith: note: \(definitionPath) changed since \(path) was made; its containers still match, so the lock is used as is\n")
            }
            if let imageVersion { lock.image.version = imageVersion }
        } else {
            let version = imageVersion ?? nextVersion(after: previous?.image.name == definition.name ? previous : nil)
            lock = try await resolveLock(definition, version: version, definitionSHA256: definitionSHA256, previous: previous)
        }

        // 3. Render everything in memory.
        let lockBytes = lock.encoded()
        let lockSHA256 = try Hash.hex(lockBytes)
        let gitCommit = await GitInfo.commit(of: definitionPath)
        let template = PackerTemplate(.init(definition: definition, lock: lock, lockSHA256: lockSHA256, gitCommit: gitCommit,
                                            definitionFile: (definitionPath as NSString).lastPathComponent, boxPackage: box.info))
        let composeBytes: [UInt8] = definition.compose.flatMap { FileManager.default.contents(atPath: "\(definitionDirectory)/\($0.file)") }.map(Array.init)
            ?? Array("# No compose file in the definition: the override alone lists the pinned services.\nservices: {}\n".utf8)
        let override = Array(ReleaseFiles.composeOverride(lock).utf8)
        let health = ReleaseFiles.healthChecks(definition, lock: lock)
        let bundleName = "\(definition.name)-\(lock.image.version)"
        let bundle = try makeBundle(prefix: bundleName, lockName: lockName, lockBytes: lockBytes, lockSHA256: lockSHA256, lock: lock,
                                    gitCommit: gitCommit, composeProject: definition.compose?.project, compose: composeBytes,
                                    override: override, health: health)

        // 4. Write: each file crash-safe (temp, fsync, rename, fsync directory); the lock last,
        //    since it is what the next build counts versions from.
        do {
            try AtomicFile.makeDirectory(outDirectory)
            try AtomicFile.makeDirectory("\(outDirectory)/scripts")
            for script in PackerTemplate.scripts {
                try AtomicFile.write(templates[script] ?? [], to: "\(outDirectory)/scripts/\(script)", mode: 0o755)
            }
            try AtomicFile.write(box.bytes, to: "\(outDirectory)/\(box.info.fileName)", mode: 0o644)
            for container in lock.containers where container.source == .build {
                guard let context = container.buildContext else { continue }
                try copyTree("\(definitionDirectory)/\(context)", to: "\(outDirectory)/build-contexts/\(container.name)")
            }
            try AtomicFile.write(composeBytes, to: "\(outDirectory)/compose.yml")
            try AtomicFile.write(override, to: "\(outDirectory)/docker-compose.pinned.yml")
            try AtomicFile.write(health, to: "\(outDirectory)/health-checks.json")
            try AtomicFile.makeDirectory("\(outDirectory)/\(PackerTemplate.initDirectory)")
            try AtomicFile.write(Array(template.versions.utf8), to: "\(outDirectory)/\(PackerTemplate.initDirectory)/versions.pkr.hcl")
            try AtomicFile.write(Array(template.main.utf8), to: "\(outDirectory)/\(definition.name).pkr.hcl")
            try AtomicFile.write(bundle, to: "\(outDirectory)/\(bundleName).tar.gz")
            try AtomicFile.write(lockBytes, to: "\(outDirectory)/\(lockName)")
        } catch {
            throw BuildError.cannotWrite("\(error)")
        }

        // 5. Say what happened, loudly for anything not pinned.
        var summary = "built \(definition.name) \(lock.image.version) into \(outDirectory) (lock sha256 \(lockSHA256))\n"
        summary += "  box tools \(box.info.fileName)\n"
        let width = lock.containers.map(\.name.count).max() ?? 0
        for container in lock.containers {
            let name = container.name + String(repeating: " ", count: width - container.name.count)
            switch container.source {
            case .pinned:
                summary += "  pinned    \(name)  \(container.pinnedReference ?? "")\n"
            case .tag:
                summary += "  tag       \(name)  \(container.taggedReference)  (\(container.note ?? "not pinned"))\n"
            case .unresolvedTag:
                summary += "  UNPINNED  \(name)  \(container.taggedReference)  (\(container.note ?? "tag kept"))\n"
            case .build:
                summary += "  BUILD     \(name)  \(container.taggedReference)  (\(container.note ?? "built in the image"))\n"
            }
        }
        output.writeOut(summary)
        for container in lock.containers where container.source == .unresolvedTag || container.source == .build {
            output.writeErr("imagesmith: WARNING: \(container.name) is not pinned by digest: \(container.note ?? "")\n")
        }
    }

    func checkReferencedFiles(_ definition: ImageDefinition, in directory: String) throws {
        var problems: [String] = []
        var isDirectory: ObjCBool = false
        if let compose = definition.compose, !FileManager.default.fileExists(atPath: "\(directory)/\(compose.file)") {
            problems.append("\(definitionPath): /compose/file: \(compose.file) does not exist (looked in \(directory))")
        }
        for (index, container) in definition.containers.enumerated() {
            guard let build = container.build else { continue }
            let context = "\(directory)/\(build.context)"
            if !FileManager.default.fileExists(atPath: context, isDirectory: &isDirectory) || !isDirectory.boolValue {
                problems.append("\(definitionPath): /containers/\(index)/build/context: directory \(build.context) does not exist")
            } else if !FileManager.default.fileExists(atPath: "\(context)/\(build.dockerfile)") {
                problems.append("\(definitionPath): /containers/\(index)/build/dockerfile: \(build.context)/\(build.dockerfile) does not exist")
            }
        }
        if !problems.isEmpty { throw BuildError.badData(problems) }
    }

    /// Where an installed imagesmith keeps its data: `<prefix>/share/edge-imagesmith` beside
    /// `<prefix>/bin/imagesmith`.
    static var installedShareDirectory: String? {
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        return (((executable as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent("share/edge-imagesmith")
    }

    /// The shell steps, read from the templates directory.
    func findTemplates(_ definitionDirectory: String) throws -> [String: [UInt8]] {
        let installed = Self.installedShareDirectory.map { ["\($0)/templates"] } ?? []
        let candidates = templatesDirectory.map { [$0] } ?? (["\(definitionDirectory)/../templates", "\(definitionDirectory)/templates", "templates"] + installed)
        let needed = PackerTemplate.scripts
        for candidate in candidates {
            let files = needed.compactMap { name in FileManager.default.contents(atPath: "\(candidate)/\(name)").map { (name, Array($0)) } }
            if files.count == needed.count { return Dictionary(uniqueKeysWithValues: files) }
            if templatesDirectory != nil {
                let missing = needed.filter { name in !files.contains { $0.0 == name } }
                throw BuildError.noInput(["the templates directory \(candidate) lacks \(missing.joined(separator: ", "))"])
            }
        }
        throw BuildError.noInput(["cannot find the templates directory (with \(needed.joined(separator: ", "))); looked in \(candidates.joined(separator: ", ")); give --templates DIR"])
    }

    /// The box package: read, checked to be an amd64 `edge-imagesmith-box`, hashed. It is
    /// written into the output directory under its canonical name for the template to upload.
    func findBoxPackage() throws -> (info: PackerTemplate.BoxPackage, bytes: [UInt8]) {
        var path = boxPackagePath ?? environment["IMAGESMITH_BOX_PACKAGE"]
        if path == nil, let share = Self.installedShareDirectory {
            let shipped = ((try? FileManager.default.contentsOfDirectory(atPath: "\(share)/box")) ?? [])
                .filter { $0.hasPrefix("edge-imagesmith-box_") && $0.hasSuffix("_amd64.deb") }.sorted()
            if shipped.count == 1 { path = "\(share)/box/\(shipped[0])" }
        }
        guard let path else {
            throw BuildError.noInput(["no box package: the image must carry provision and rollback; give --box-package FILE (scripts/package builds edge-imagesmith-box_<version>_amd64.deb) or set IMAGESMITH_BOX_PACKAGE"])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BuildError.noInput(["cannot read the box package \(path)"])
        }
        let package: DebianPackage
        do { package = try DebianPackage(path: path) }
        catch { throw BuildError.badData(["the box package \(path) is not a readable Debian package: \(error)"]) }
        var problems: [String] = []
        if package.name != "edge-imagesmith-box" { problems.append("it is the package '\(package.name)', expected edge-imagesmith-box") }
        if package.architecture != "amd64" { problems.append("it is for architecture '\(package.architecture)'; the image is amd64") }
        let versionCharacters = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.+~-")
        if package.version.isEmpty || !package.version.allSatisfy(versionCharacters.contains) || !(package.version.first?.isNumber ?? false) {
            problems.append("its version '\(package.version)' is not a Debian version (digits first, then letters, digits and . + ~ -)")
        }
        if !problems.isEmpty {
            throw BuildError.badData(problems.map { "the box package \(path): \($0)" })
        }
        let bytes = Array(data)
        let info = PackerTemplate.BoxPackage(fileName: "edge-imagesmith-box_\(package.version)_amd64.deb", version: package.version,
                                             sha256: try Hash.hex(bytes))
        return (info, bytes)
    }

    func readLock(_ path: String, missingOK: Bool) throws -> LockFile? {
        guard let data = FileManager.default.contents(atPath: path) else {
            if missingOK { return nil }
            throw BuildError.noInput(["cannot read the lock \(path)"])
        }
        do { return try LockFile.decode(Array(data), path: path) }
        catch { throw BuildError.badData(["\(error)"]) }
    }

    /// An offline build must use a lock made for these containers (BuildPolicy.LockCheck).
    func checkLock(_ lock: LockFile, matches definition: ImageDefinition, path: String) throws(BuildError) {
        let problems = LockCheck.problems(lock, against: definition, path: path)
        if !problems.isEmpty {
            throw .badData(problems + ["the lock does not match the definition; run imagesmith build without --offline to pin again"])
        }
    }

    func nextVersion(after previous: LockFile?) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month], from: now)
        let last = previous.flatMap { ImageVersion(parsing: $0.image.version) }
        return ImageVersion.next(year: parts.year ?? 1970, month: parts.month ?? 1, after: last).description
    }

    var timestamp: String {
        Timestamp.iso8601(now)
    }

    /// Resolves every pinned container for its platform and applies the policies: fail closed,
    /// keep-tag on request, build in the image when a pre-built tag is missing.
    func resolveLock(_ definition: ImageDefinition, version: String, definitionSHA256: String, previous: LockFile?) async throws -> LockFile {
        let resolver: Resolver
        do { resolver = try registry.makeResolver(environment: environment) }
        catch { throw BuildError.from(error.exitStatus, ["\(error)"]) }
        var resolutions: [String: Resolution] = [:]
        let pinned = definition.containers.filter(\.pin)
        for platform in Set(pinned.map(\.platform)).sorted() {
            let group = pinned.filter { $0.platform == platform }
            let resolved = await resolver.resolve(group.map(\.reference), platform: platform)
            for container in group { resolutions[container.name] = resolved[container.reference].map(Self.resolution) }
        }
        let policy = PinningPolicy(prebuiltOnly: prebuiltOnly, keepUnresolvedTags: keepUnresolvedTags, timestamp: timestamp)
        switch policy.containers(for: definition, resolutions: resolutions, previous: previous) {
        case .success(let containers):
            return LockFile(image: .init(name: definition.name, version: version), definitionSHA256: definitionSHA256, containers: containers)
        case .failure(let refusal):
            throw refusal.allUnavailable ? BuildError.unavailable(refusal.messages) : BuildError.refused(refusal.messages)
        }
    }

    /// The registry client's answer, as the policy reads it.
    static func resolution(_ result: Result<ResolvedImage, RegistryError>) -> Resolution {
        switch result {
        case .success(let image):
            .resolved(digest: image.digest, platformDigest: image.platformDigest, mediaType: image.mediaType, size: image.size,
                      platforms: image.platforms?.map { .init(platform: $0.platform.description, digest: $0.digest) })
        case .failure(let error):
            .failed(reason: "\(error)", missingTag: isMissingTag(error), unavailable: error.exitStatus == .unavailable)
        }
    }

    /// A 404 for the tag itself: the pre-built image does not exist.
    static func isMissingTag(_ error: RegistryError) -> Bool {
        if case .refused(let status, _, let errors) = error {
            return status == 404 || errors.contains { $0.code == "MANIFEST_UNKNOWN" || $0.code == "NAME_UNKNOWN" }
        }
        return false
    }

    /// `<name>-<version>.tar.gz`: lock, compose files, health checks, release.json and
    /// SHA256SUMS under one directory; fixed owners, times and order.
    func makeBundle(prefix: String, lockName: String, lockBytes: [UInt8], lockSHA256: String, lock: LockFile, gitCommit: String?,
                    composeProject: String?, compose: [UInt8], override: [UInt8], health: [UInt8]) throws -> [UInt8] {
        var files: [(String, [UInt8])] = [
            (lockName, lockBytes), ("compose.yml", compose), ("docker-compose.pinned.yml", override), ("health-checks.json", health),
        ]
        let release = ReleaseFiles.releaseManifest(lock: lock, lockSHA256: lockSHA256, gitCommit: gitCommit,
                                                   composeProject: composeProject, files: files.map(\.0) + ["release.json"])
        files.append(("release.json", release))
        let sums = ReleaseFiles.checksums(try files.map { ($0.0, try Hash.hex($0.1)) })
        files.append(("SHA256SUMS", Array(sums.utf8)))
        let tar = try TarWriter(compression: .gzip, modificationTime: 0)
        try tar.addDirectory(prefix)
        for (name, bytes) in files.sorted(by: { $0.0 < $1.0 }) {
            try tar.addFile("\(prefix)/\(name)", contents: bytes)
        }
        return try tar.finish()
    }

    /// Copies a build context (regular files and directories, modes kept, sorted).
    func copyTree(_ source: String, to destination: String) throws {
        try AtomicFile.makeDirectory(destination)
        let manager = FileManager.default
        for name in (try manager.contentsOfDirectory(atPath: source)).sorted() {
            let from = "\(source)/\(name)", to = "\(destination)/\(name)"
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: from, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                try copyTree(from, to: to)
            } else if let data = manager.contents(atPath: from) {
                let mode = (try? manager.attributesOfItem(atPath: from)[.posixPermissions] as? Int) ?? 0o644
                try AtomicFile.write(Array(data), to: to, mode: mode_t(mode))
            }
        }
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}

/// The git commit of a file, when it is in a git work tree ("-dirty" when it has changes).
enum GitInfo {
    /// Runs git on its own thread (never blocking Swift's cooperative pool).
    static func commit(of path: String) async -> String? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: commitBlocking(of: path)) }
        }
    }

    static func commitBlocking(of path: String) -> String? {
        let directory = (path as NSString).deletingLastPathComponent.nonEmpty ?? "."
        let file = (path as NSString).lastPathComponent
        guard let head = run(["-C", directory, "log", "-1", "--format=%H", "--", file]), !head.isEmpty else { return nil }
        let status = run(["-C", directory, "status", "--porcelain", "--", file]) ?? ""
        return status.isEmpty ? head : head + "-dirty"
    }

    static func run(_ arguments: [String]) -> String? {
        guard let result = try? ProcessRunner(environment: ProcessInfo.processInfo.environment).run("/usr/bin/git", arguments, timeout: 30),
              result.status == 0 else { return nil }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
