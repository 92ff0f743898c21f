import Archive
import Basics
import HostIO
import ImageDefinition
import Lock
import PackerTemplate
import Release

extension BuildEngine {
    /// The compose file and every build context the definition names must exist.
    func checkReferencedFiles(_ definition: ImageDefinition, in directory: String) throws(BuildError) {
        let definitionPath = request.definitionPath
        var problems: [String] = []
        if let compose = definition.compose {
            if let link = firstLink(compose.file, under: directory) {
                problems.append("\(definitionPath): /compose/file: \(compose.file) goes through the symbolic link \(link); files are read from the definition's directory only, without following links")
            } else if files.kind("\(directory)/\(compose.file)") != .file {
                problems.append("\(definitionPath): /compose/file: \(compose.file) does not exist or is not a file (looked in \(directory))")
            }
        }
        for (index, container) in definition.containers.enumerated() {
            guard let build = container.build else { continue }
            let context = "\(directory)/\(build.context)"
            if let link = firstLink(build.context, under: directory) {
                problems.append("\(definitionPath): /containers/\(index)/build/context: \(build.context) goes through the symbolic link \(link); build contexts are read from the definition's directory only, without following links")
            } else if files.kind(context) != .directory {
                problems.append("\(definitionPath): /containers/\(index)/build/context: directory \(build.context) does not exist")
            } else if let link = firstLink(build.dockerfile, under: context) {
                problems.append("\(definitionPath): /containers/\(index)/build/dockerfile: \(build.context)/\(build.dockerfile) goes through the symbolic link \(link)")
            } else if files.kind("\(context)/\(build.dockerfile)") != .file {
                problems.append("\(definitionPath): /containers/\(index)/build/dockerfile: \(build.context)/\(build.dockerfile) does not exist")
            } else {
                problems += escapingLinks(in: context, relative: "").map {
                    "\(definitionPath): /containers/\(index)/build/context: \(build.context)/\($0.path) is a symbolic link to \($0.target.printable), outside the build context; a context's links must stay inside it"
                }
            }
        }
        var named: [(pointer: String, path: String)] = []
        if let trust = definition.trust {
            named.append(("/trust/root", trust.root))
            if let revocations = trust.revocations { named.append(("/trust/revocations", revocations)) }
        }
        for (index, container) in definition.containers.enumerated() {
            if let signature = container.signature { named.append(("/containers/\(index)/signature/key", signature.key)) }
        }
        for (pointer, relative) in named {
            if let link = firstLink(relative, under: directory) {
                problems.append("\(definitionPath): \(pointer): \(relative) goes through the symbolic link \(link); files are read from the definition's directory only, without following links")
            } else if files.kind("\(directory)/\(relative)") != .file {
                problems.append("\(definitionPath): \(pointer): \(relative) does not exist or is not a file (looked in \(directory))")
            }
        }
        if !problems.isEmpty { throw .badData(problems) }
    }

    /// Every service of the compose file is a container of the definition and every container
    /// a service (`ComposeServices`: by name), so that no service runs on a tag the definition
    /// did not choose, and the override adds no service the compose file does not configure.
    func checkComposeServices(_ definition: ImageDefinition, in directory: String) throws(BuildError) {
        guard let compose = definition.compose else { return }
        let path = "\(directory)/\(compose.file)"
        guard let bytes = files.contents(path) else { throw .noInput(["cannot read the compose file \(path)"]) }
        let services: ComposeServices
        do { services = try ComposeServices.read(String(decoding: bytes, as: UTF8.self), file: path) }
        catch { throw .invalidDefinition(error.issues) }
        let issues = services.mismatches(with: definition, definitionFile: request.definitionPath)
        if !issues.isEmpty { throw .invalidDefinition(issues) }
    }

    /// The first component of `relative` (under `root`) that is a symbolic link, as
    /// `path -> target`; nil when there is none.
    func firstLink(_ relative: String, under root: String) -> String? {
        var path = root
        for component in relative.split(separator: "/") where component != "." {
            path += "/\(component)"
            if files.kind(path) == .symlink { return "\(path) -> \((files.linkTarget(path) ?? "?").printable)" }
        }
        return nil
    }

    /// Symbolic links in the tree at `directory` whose target (read lexically from the link's
    /// own directory) is absolute or climbs out of the tree; links are never followed, so a
    /// `loop -> .` is one link, not a walk.
    func escapingLinks(in directory: String, relative: String) -> [(path: String, target: String)] {
        guard let names = try? files.list(relative.isEmpty ? directory : "\(directory)/\(relative)") else { return [] }
        var found: [(String, String)] = []
        for name in names.sorted() {
            let path = relative.isEmpty ? name : "\(relative)/\(name)"
            switch files.kind("\(directory)/\(path)") {
            case .directory?: found += escapingLinks(in: directory, relative: path)
            case .symlink?:
                let target = files.linkTarget("\(directory)/\(path)") ?? "/"
                if !Path.staysInside(target, from: relative) { found.append((path, target)) }
            default: continue
            }
        }
        return found
    }

    /// The shell steps, from --templates, else beside or above the definition, else the
    /// installed ones.
    func findTemplates(_ definitionDirectory: String) throws(BuildError) -> [String: [UInt8]] {
        let installed = request.installedShareDirectory.map { ["\($0)/templates"] } ?? []
        let candidates = request.templatesDirectory.map { [$0] }
            ?? (["\(definitionDirectory)/../templates", "\(definitionDirectory)/templates", "templates"] + installed)
        let needed = PackerTemplate.scripts
        for candidate in candidates {
            let found = needed.compactMap { name in files.contents("\(candidate)/\(name)").map { (name, $0) } }
            if found.count == needed.count { return Dictionary(uniqueKeysWithValues: found) }
            if request.templatesDirectory != nil {
                let missing = needed.filter { name in !found.contains { $0.0 == name } }
                throw .noInput(["the templates directory \(candidate) lacks \(missing.joined(separator: ", "))"])
            }
        }
        throw .noInput(["cannot find the templates directory (with \(needed.joined(separator: ", "))); looked in \(candidates.joined(separator: ", ")); give --templates DIR"])
    }

    /// The box package: read, checked to be an amd64 `edge-imagesmith-box`, hashed. It is
    /// written into the output directory under its canonical name for the template to upload.
    func findBoxPackage() throws(BuildError) -> (info: PackerTemplate.BoxPackage, bytes: [UInt8]) {
        var path = request.boxPackagePath
        if path == nil, let share = request.installedShareDirectory {
            let shipped = ((try? files.list("\(share)/box")) ?? [])
                .filter { $0.hasPrefix("edge-imagesmith-box_") && $0.hasSuffix("_amd64.deb") }.sorted()
            if shipped.count == 1 { path = "\(share)/box/\(shipped[0])" }
        }
        guard let path else {
            throw .noInput(["no box package: the image must carry provision and rollback; give --box-package FILE (scripts/package builds edge-imagesmith-box_<version>_amd64.deb) or set IMAGESMITH_BOX_PACKAGE"])
        }
        guard let bytes = files.contents(path) else {
            throw .noInput(["cannot read the box package \(path)"])
        }
        let package: DebianPackage
        do { package = try DebianPackage(bytes: bytes, path: path) }
        catch { throw .badData(["the box package \(path) is not a readable Debian package: \(error)"]) }
        var problems: [String] = []
        if package.name != "edge-imagesmith-box" { problems.append("it is the package '\(package.name)', expected edge-imagesmith-box") }
        if package.architecture != "amd64" { problems.append("it is for architecture '\(package.architecture)'; the image is amd64") }
        let versionCharacters = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.+~-")
        if package.version.isEmpty || !package.version.allSatisfy(versionCharacters.contains) || !(package.version.first?.isNumber ?? false) {
            problems.append("its version '\(package.version)' is not a Debian version (digits first, then letters, digits and . + ~ -)")
        }
        if !problems.isEmpty {
            throw .badData(problems.map { "the box package \(path): \($0)" })
        }
        let info = PackerTemplate.BoxPackage(fileName: "edge-imagesmith-box_\(package.version)_amd64.deb", version: package.version,
                                             sha256: try sha256(bytes))
        return (info, bytes)
    }

    /// The lock at `path`; nil when there is none. A lock that is there but wrong is an error.
    func readLock(_ path: String) throws(BuildError) -> LockFile? {
        guard let bytes = files.contents(path) else {
            if files.exists(path) { throw .noInput(["cannot read the lock \(path)"]) }
            return nil
        }
        do { return try LockFile.decode(bytes, path: path) }
        catch { throw .badData(["\(error)"]) }
    }
}

extension BuildEngine {
    /// The versions released before: each `--previous` file (a lock, or a bundle whose
    /// release.json is read) must be of this image and carry a canonical version; a lock in
    /// the output directory counts too.
    func previousVersions(_ name: String, outLock: LockFile?) throws(BuildError) -> [(source: String, version: ImageVersion)] {
        var found: [(source: String, version: ImageVersion)] = []
        if let outLock, outLock.image.name == name, let version = ImageVersion(parsing: outLock.image.version) {
            found.append(("\(request.outDirectory)/\(name).lock.json", version))
        }
        for path in request.previousReleases {
            guard let bytes = files.contents(path) else { throw .noInput(["cannot read the previous release \(path) (--previous)"]) }
            let image: String, version: String
            if bytes.starts(with: [0x1f, 0x8b]) {
                let entries: [TarReader.Entry]
                do { entries = try TarReader(bytes: bytes).entries(limits: TarReader.Limits(maxEntries: 256, maxEntrySize: 16 << 20, maxTotalSize: 64 << 20)) }
                catch { throw .badData(["the previous release \(path) (--previous) is not a release bundle: \(error)"]) }
                guard let entry = entries.first(where: { $0.kind == .file && Path.name($0.path) == "release.json" }) else {
                    throw .badData(["the previous release \(path) (--previous) is a tar.gz without a release.json; expected a bundle from imagesmith build"])
                }
                do throws(ReleaseError) {
                    let manifest = try ReleaseManifest(decoding: entry.contents)
                    (image, version) = (manifest.image, manifest.version)
                } catch { throw .badData(["the previous release \(path) (--previous): \(error)"]) }
            } else {
                do throws(LockError) {
                    let lock = try LockFile.decode(bytes, path: path)
                    (image, version) = (lock.image.name, lock.image.version)
                } catch { throw .badData(["the previous release \(path) (--previous) is neither a lock nor a bundle: \(error)"]) }
            }
            guard image == name else {
                throw .badData(["the previous release \(path) (--previous) is of image '\(image.printable)', not \(name)"])
            }
            guard let parsed = ImageVersion(parsing: version) else {
                throw .badData(["the previous release \(path) (--previous) has version '\(version.printable)'; expected YYYY.MM.N"])
            }
            found.append((path, parsed))
        }
        return found
    }
}
