import Basics
import BuildPolicy
import Foundation
import HostIO
import ImageReference
import Lock
import ImageBuild
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

    public func run() async -> ExitStatus {
        let read = BoundedFile.read(lockPath, limit: LockFile.maximumBytes)
        guard case .bytes(let bytes) = read else {
            return output.fail({ if case .tooLarge = read { return .dataError } else { return .noInput } }(),
                               ["the lock \(lockPath) \(BoundedFile.problem(read, limit: LockFile.maximumBytes) ?? "cannot be read")"], json: json)
        }
        let lock: LockFile
        do { lock = try LockFile.decode(bytes, path: lockPath) }
        catch { return output.fail(.dataError, ["\(error)"], json: json) }
        let resolver: RegistryContainerResolver
        do { resolver = try RegistryContainerResolver.make(registry, environment: environment) }
        catch { return output.fail(error.exitStatus, error.messages, json: json) }

        // Everything that names a registry tag is asked again, for its platform.
        var references: [(name: String, reference: Reference, platform: Platform)] = []
        var invalid: [String] = []
        for container in lock.containers where container.source != .tag {
            do { references.append((container.name, try Reference(parsing: container.reference), try Platform(parsing: container.platform))) }
            catch { invalid.append("\(lockPath): container '\(container.name)': \(error)") }
        }
        if !invalid.isEmpty { return output.fail(.dataError, invalid, json: json) }
        let results: [String: Resolution]
        let shown = registry.progress.map { TerminalProgress($0, verb: "checked") }
        do { results = try await resolver.resolve(named: references) }
        catch { shown?.finish(); return output.fail(error.exitStatus, error.messages, json: json) }
        shown?.finish()
        let findings = DriftFinding.findings(lock, results: results)

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
                text += line.printableText(limit: 2000) + "\n"
            }
            output.writeOut(text)
        }
        let problems = findings.filter(\.status.isProblem)
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
