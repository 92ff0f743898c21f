import Basics
import BuildPolicy
import FoundationEssentials
import Hashing
import HostIO
import ImageDefinition
import ImageReference
import Lock
import PackerTemplate
import Signing
import Trust

/// The rules of `imagesmith build` over its seams (file system, resolver, source control):
/// read and check everything first, resolve or read the lock, render in memory, then write
/// each file crash-safe with the lock last, since it is what the next build counts versions
/// from. Nothing is written unless everything before the writing succeeded.
package struct BuildEngine: Sendable {
    package let request: BuildRequest
    package let files: any FileSystem
    /// Made only when the build resolves (never offline), given the registries the definition
    /// says to speak plain HTTP to (`docker.insecure_registries`).
    package let resolver: @Sendable (_ insecureRegistries: [String]) throws(BuildError) -> any ContainerResolving
    package let sourceControl: any SourceControl
    /// Notes for the operator on the way (stderr in the tool).
    package let note: @Sendable (String) -> Void
    /// The signatures' cryptography (the root of trust, revocation lists, cosign signatures).
    package let crypto: any TrustCrypto

    package init(request: BuildRequest, files: any FileSystem, resolver: @escaping @Sendable (_ insecureRegistries: [String]) throws(BuildError) -> any ContainerResolving,
                 sourceControl: any SourceControl, note: @escaping @Sendable (String) -> Void, crypto: any TrustCrypto = OpenSSLTrustCrypto()) {
        self.crypto = crypto
        self.request = request
        self.files = files
        self.resolver = resolver
        self.sourceControl = sourceControl
        self.note = note
    }

    static let maximumDefinitionBytes = 1 << 20

    package func build() async throws(BuildError) -> BuildOutcome {
        let definitionPath = request.definitionPath
        let out = request.outDirectory

        // 1. Read and validate the definition and everything it names.
        guard let definitionBytes = files.contents(definitionPath) else {
            throw .noInput(["cannot read the image definition \(definitionPath)"])
        }
        // A definition is a few kilobytes; YAML is read whole, so the size is capped first.
        guard definitionBytes.count <= Self.maximumDefinitionBytes else {
            throw .badData(["\(definitionPath) is \(definitionBytes.count) bytes; an image definition is at most \(Self.maximumDefinitionBytes)"])
        }
        let definition: ImageDefinition
        do { definition = try ImageDefinition.parse(String(decoding: definitionBytes, as: UTF8.self), file: definitionPath) }
        catch { throw .invalidDefinition(error.issues) }
        let definitionDirectory = Path.directory(definitionPath)
        try checkReferencedFiles(definition, in: definitionDirectory)
        try checkComposeServices(definition, in: definitionDirectory)
        let templates = try findTemplates(definitionDirectory)
        let box = try findBoxPackage()
        let trust = try readTrust(definition, in: definitionDirectory)
        let definitionSHA256 = try sha256(definitionBytes)

        // 2. The lock: read (offline) or resolved now.
        let lockName = "\(definition.name).lock.json"
        let previousPath = "\(out)/\(lockName)"
        let previous = try readLock(previousPath)
        // What was released before, from --previous and the output directory: read and checked
        // before anything else is asked, so a refusal costs no registry request.
        let released = try previousVersions(definition.name, outLock: previous)
        var lock: LockFile
        if request.isOffline {
            let path = request.lockPath ?? (files.exists(previousPath) ? previousPath : "\(definitionDirectory)/\(lockName)")
            guard var found = try readLock(path) else {
                throw .noInput(["no lock to build from offline: \(path) does not exist (give --lock FILE, or build once without --offline)"])
            }
            switch LockCheck.trusted(found, for: definition, path: path, keepUnresolvedTags: request.keepUnresolvedTags) {
            case .success(let checked): found = checked
            case .failure(let refusal):
                throw .badData(refusal.problems + ["the lock does not match the definition; run imagesmith build without --offline to pin again"])
            }
            if found.definitionSHA256 != definitionSHA256 {
                note("note: \(definitionPath) changed since \(path) was made; its containers still match, so the lock is used as is")
            }
            if let imageVersion = request.imageVersion { found.image.version = imageVersion }
            lock = found
        } else {
            let version: String
            if let given = request.imageVersion { version = given } else { version = try nextVersion(after: released, definitionName: definition.name) }
            lock = try await resolveLock(definition, version: version, definitionSHA256: definitionSHA256, previous: previous)
        }

        // 3. Render everything in memory.
        let lockBytes = lock.encoded()
        let lockSHA256 = try sha256(lockBytes)
        let gitCommit = await sourceControl.commit(of: definitionPath)
        let template = PackerTemplate(.init(definition: definition, lock: lock, lockSHA256: lockSHA256, gitCommit: gitCommit,
                                            definitionFile: Path.name(definitionPath), boxPackage: box.info, signed: trust.root != nil))
        let compose: [UInt8] = definition.compose.flatMap { files.contents("\(definitionDirectory)/\($0.file)") }
            ?? Array("# No compose file in the definition: the override alone lists the pinned services.\nservices: {}\n".utf8)
        let override = Array(ReleaseFiles.composeOverride(lock).utf8)
        let health = ReleaseFiles.healthChecks(definition, lock: lock)
        let bundleName = "\(definition.name)-\(lock.image.version)"
        let bundle = try makeBundle(prefix: bundleName, lockName: lockName, lockBytes: lockBytes, lockSHA256: lockSHA256, lock: lock,
                                    gitCommit: gitCommit, composeProject: definition.compose?.project, compose: compose,
                                    override: override, health: health, parents: trust.parents)

        // 4. Write: each file crash-safe; the lock last.
        do throws(HostIOError) {
            try files.makeDirectory("\(out)/scripts", mode: 0o755)
            for script in PackerTemplate.scripts {
                try files.write(templates[script] ?? [], to: "\(out)/scripts/\(script)", mode: 0o755)
            }
            try files.write(box.bytes, to: "\(out)/\(box.info.fileName)", mode: 0o644)
            if let root = trust.root {
                try files.makeDirectory("\(out)/trust", mode: 0o755)
                try files.write(root, to: "\(out)/\(PackerTemplate.trustRootFile)", mode: 0o644)
            }
            for container in lock.containers where container.source == .build {
                guard let context = container.buildContext else { continue }
                try copyTree("\(definitionDirectory)/\(context)", to: "\(out)/build-contexts/\(container.name)")
            }
            try files.write(compose, to: "\(out)/compose.yml", mode: 0o644)
            try files.write(override, to: "\(out)/docker-compose.pinned.yml", mode: 0o644)
            try files.write(health, to: "\(out)/health-checks.json", mode: 0o644)
            try files.makeDirectory("\(out)/\(PackerTemplate.initDirectory)", mode: 0o755)
            try files.write(Array(template.versions.utf8), to: "\(out)/\(PackerTemplate.initDirectory)/versions.pkr.hcl", mode: 0o644)
            try files.write(Array(template.main.utf8), to: "\(out)/\(definition.name).pkr.hcl", mode: 0o644)
            try files.write(bundle, to: "\(out)/\(bundleName).tar.gz", mode: 0o644)
            try files.write(lockBytes, to: "\(out)/\(lockName)", mode: 0o644)
        } catch {
            throw .cannotWrite("\(error)")
        }
        return BuildOutcome(lock: lock, lockSHA256: lockSHA256, outDirectory: out, boxPackage: box.info)
    }

    func sha256(_ bytes: [UInt8]) throws(BuildError) -> String {
        do { return try Hash.hex(bytes) } catch { throw .failed("cannot hash: \(error)") }
    }

    /// The next version after everything released before (the highest of them); with nothing
    /// known, YYYY.MM.1 only when the request says this is the first release: two fresh
    /// workspaces counting from nothing would both make YYYY.MM.1, and a box that has one
    /// refuses the other.
    func nextVersion(after released: [(source: String, version: ImageVersion)], definitionName: String) throws(BuildError) -> String {
        let (year, month) = Timestamp.yearAndMonth(request.now)
        let highest = released.max { $0.version < $1.version }
        if highest == nil && !request.firstRelease {
            throw .usage(["cannot tell which version comes next: nothing released before is known (no lock in \(request.outDirectory), no --previous); give --previous with the last released bundle or lock of \(definitionName), --image-version, or --first-release for the image's first release"])
        }
        if let highest, (highest.version.year, highest.version.month) > (year, month) {
            note("note: the previous release \(highest.version) (\(highest.source)) is from a later month than the build's clock; counting on from it")
        }
        return ImageVersion.next(year: year, month: month, after: highest?.version).description
    }

    /// Resolves every pinned container for its platform and applies the pinning policy: fail
    /// closed, keep-tag on request, build in the image when a pre-built tag is missing.
    func resolveLock(_ definition: ImageDefinition, version: String, definitionSHA256: String, previous: LockFile?) async throws(BuildError) -> LockFile {
        let resolver = try resolver(definition.docker.insecureRegistries)
        let resolutions = try await resolver.resolve(named: definition.containers.filter(\.pin).map { ($0.name, $0.reference, $0.platform) })
        let policy = PinningPolicy(prebuiltOnly: request.prebuiltOnly, keepUnresolvedTags: request.keepUnresolvedTags,
                                   timestamp: Timestamp.iso8601(request.now))
        switch policy.containers(for: definition, resolutions: resolutions, previous: previous) {
        case .success(let containers):
            let lock = LockFile(image: .init(name: definition.name, version: version), definitionSHA256: definitionSHA256, containers: containers)
            for note in try await checkSignatures(definition, lock: lock, resolver: resolver, directory: Path.directory(request.definitionPath)) { self.note(note) }
            return lock
        case .failure(let refusal):
            throw refusal.allUnavailable ? .unavailable(refusal.messages) : .refused(refusal.messages)
        }
    }
}
