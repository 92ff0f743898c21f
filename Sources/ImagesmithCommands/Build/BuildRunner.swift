import Basics
import Foundation
import HostIO
import ImageBuild
import Lock

/// `imagesmith build` wired: the operator's inputs read where they lie, the engine
/// (ImageBuild) over the real file system, the registry and git, its outcome printed.
/// Callable from tests with its own environment and output. Returns the exit status.
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
        let request = BuildRequest(definitionPath: definitionPath, outDirectory: outDirectory, lockPath: lockPath, offline: offline,
                                   imageVersion: imageVersion, prebuiltOnly: prebuiltOnly, keepUnresolvedTags: keepUnresolvedTags,
                                   templatesDirectory: templatesDirectory,
                                   boxPackagePath: boxPackagePath ?? environment["IMAGESMITH_BOX_PACKAGE"],
                                   installedShareDirectory: Self.installedShareDirectory, now: now)
        let (registry, environment, output) = (self.registry, self.environment, self.output)
        let engine = BuildEngine(request: request, files: LocalFileSystem(),
                                 resolver: { () throws(BuildError) in try RegistryContainerResolver.make(registry, environment: environment) },
                                 sourceControl: GitSourceControl(environment: environment),
                                 note: { output.writeErr("imagesmith: \($0)\n") })
        do throws(BuildError) {
            let outcome = try await engine.build()
            output.writeOut(outcome.summary)
            for warning in outcome.warnings { output.writeErr("imagesmith: \(warning)\n") }
            return .success
        } catch {
            for message in error.messages { output.writeErr("imagesmith: \(message)\n") }
            return error.exitStatus
        }
    }

    /// Where an installed imagesmith keeps its data: `<prefix>/share/edge-imagesmith` beside
    /// `<prefix>/bin/imagesmith`.
    static var installedShareDirectory: String? {
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        return Path.join(Path.parent(Path.parent(executable)), "share/edge-imagesmith")
    }
}
