import Basics
import Foundation
import ImageReference
import Lock
import RegistryClient

/// The work behind `imagesmith verify`. Returns the exit status.
public struct VerifyRunner: Sendable {
    public var lockPath: String
    public var json: Bool
    public var registry: RegistrySetup
    public var environment: [String: String]
    public var output: CommandOutput

    public init(lockPath: String, json: Bool = false, registry: RegistrySetup = RegistrySetup(), environment: [String: String], output: CommandOutput) {
        self.lockPath = lockPath
        self.json = json
        self.registry = registry
        self.environment = environment
        self.output = output
    }

    struct Finding: Encodable {
        /// What verify found for one container (its JSON spelling is the raw value).
        enum Status: String, Encodable {
            case ok, drifted, unpinned, unchecked, built
            case notPinnedByDesign = "not-pinned-by-design"
        }

        var name: String
        var status: Status
        var reference: String
        var lockedDigest: String?
        var currentDigest: String?
        var lockedPlatformDigest: String?
        var currentPlatformDigest: String?
        var detail: String?

        enum CodingKeys: String, CodingKey {
            case name, status, reference, detail
            case lockedDigest = "locked_digest", currentDigest = "current_digest"
            case lockedPlatformDigest = "locked_platform_digest", currentPlatformDigest = "current_platform_digest"
        }
    }

    public func run() async -> ExitStatus {
        guard let data = FileManager.default.contents(atPath: lockPath) else {
            output.writeErr("imagesmith: cannot read the lock \(lockPath)\n")
            return .noInput
        }
        let lock: LockFile
        do { lock = try LockFile.decode(Array(data), path: lockPath) }
        catch { output.writeErr("imagesmith: \(error)\n"); return .dataError }
        let resolver: Resolver
        do { resolver = try registry.makeResolver(environment: environment) }
        catch { output.writeErr("imagesmith: \(error)\n"); return error.exitStatus }

        // Everything that names a registry tag is asked again, for its platform.
        var references: [String: (Reference, Platform)] = [:]
        var invalid: [String] = []
        for container in lock.containers where container.source != .tag {
            do { references[container.name] = (try Reference(parsing: container.reference), try Platform(parsing: container.platform)) }
            catch { invalid.append("\(lockPath): container '\(container.name)': \(error)") }
        }
        if !invalid.isEmpty {
            invalid.forEach { output.writeErr("imagesmith: \($0)\n") }
            return .dataError
        }
        var results: [String: Result<ResolvedImage, RegistryError>] = [:]
        for platform in Set(references.values.map(\.1)).sorted() {
            let group = references.filter { $0.value.1 == platform }
            let resolved = await resolver.resolve(group.map(\.value.0), platform: platform)
            for (name, value) in group { results[name] = resolved[value.0] }
        }

        var findings: [Finding] = []
        for container in lock.containers {
            var finding = Finding(name: container.name, status: .ok, reference: container.reference,
                                  lockedDigest: container.digest?.description, lockedPlatformDigest: container.platformDigest?.description)
            switch (container.source, results[container.name]) {
            case (.tag, _):
                finding.status = .notPinnedByDesign
                finding.detail = container.note
            case (_, .failure(let error)?):
                finding.status = container.source == .pinned ? .unchecked : .unpinned
                finding.detail = "\(error)"
                if container.source == .build, BuildRunner.isMissingTag(error) {
                    finding.status = .built
                    finding.detail = "the pre-built image still does not exist; the image builds it"
                }
            case (.pinned, .success(let image)?):
                finding.currentDigest = image.digest.description
                finding.currentPlatformDigest = image.platformDigest?.description
                if image.digest != container.digest || image.platformDigest != container.platformDigest {
                    finding.status = .drifted
                    finding.detail = image.platformDigest == container.platformDigest
                        ? "the tag now names another index; the \(container.platform) manifest is unchanged"
                        : "the tag now names different \(container.platform) content"
                }
            case (.unresolvedTag, .success(let image)?):
                finding.status = .unpinned
                finding.currentDigest = image.digest.description
                finding.currentPlatformDigest = image.platformDigest?.description
                finding.detail = "kept on its tag at build time; it resolves now: build again to pin it"
            case (.build, .success(let image)?):
                finding.status = .unpinned
                finding.currentDigest = image.digest.description
                finding.currentPlatformDigest = image.platformDigest?.description
                finding.detail = "built in the image at build time; the pre-built image exists now: build again to pin it"
            case (_, nil):
                finding.status = .unchecked
                finding.detail = "no result"
            }
            findings.append(finding)
        }

        if json {
            output.writeOut(CanonicalJSON.text(findings))
        } else {
            let width = findings.map(\.name.count).max() ?? 0
            var text = ""
            for finding in findings {
                let name = finding.name + String(repeating: " ", count: width - finding.name.count)
                let label: String
                switch finding.status {
                case .ok: label = "ok       "
                case .drifted: label = "DRIFTED  "
                case .unpinned: label = "UNPINNED "
                case .unchecked: label = "UNCHECKED"
                case .built: label = "built    "
                case .notPinnedByDesign: label = "tag      "
                }
                var line = "\(label) \(name)  \(finding.reference)"
                if finding.status == .drifted, let locked = finding.lockedDigest, let current = finding.currentDigest {
                    line += "  \(locked) -> \(current)"
                }
                if let detail = finding.detail, finding.status != .ok { line += "  (\(detail))" }
                text += line + "\n"
            }
            output.writeOut(text)
        }
        let problems = findings.filter { $0.status == .drifted || $0.status == .unpinned }
        if !problems.isEmpty {
            output.writeErr("imagesmith: \(problems.count) container\(problems.count == 1 ? "" : "s") drifted or unpinned since \(lock.image.name) \(lock.image.version) was built: \(problems.map(\.name).joined(separator: ", "))\n")
            return .failure
        }
        if findings.contains(where: { $0.status == .unchecked }) {
            output.writeErr("imagesmith: some containers could not be checked\n")
            return .unavailable
        }
        return .success
    }
}
