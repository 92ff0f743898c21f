import Basics
import Foundation
import HostIO
import ImageBuild
import Lock

/// `imagesmith build` wired: the operator's inputs read where they lie, the engine
/// (ImageBuild) over the real file system, the registry and git, its outcome printed.
/// Callable from tests with its own environment and output. Returns the exit status.
public struct BuildRunner: Sendable {
    /// What to build, with the operator's inputs read: `boxPackagePath` falls back to
    /// `IMAGESMITH_BOX_PACKAGE`, the clock to `SOURCE_DATE_EPOCH`, then now.
    package var request: BuildRequest
    public var registry: RegistrySetup
    public var environment: [String: String]
    public var output: CommandOutput
    /// Print the outcome (or the failure) as JSON on stdout.
    public var json: Bool

    public init(definitionPath: String, outDirectory: String, lockPath: String? = nil, offline: Bool = false, imageVersion: String? = nil,
                previousReleases: [String] = [], firstRelease: Bool = false,
                prebuiltOnly: Bool = false, keepUnresolvedTags: Bool = false, templatesDirectory: String? = nil, boxPackagePath: String? = nil,
                registry: RegistrySetup = RegistrySetup(), environment: [String: String], output: CommandOutput, json: Bool = false, now: Date? = nil,
                parents: [(name: String, sha256: String)] = [], trustRoot: String? = nil, revocations: String? = nil) {
        request = BuildRequest(definitionPath: definitionPath, outDirectory: outDirectory, lockPath: lockPath, offline: offline,
                               imageVersion: imageVersion, previousReleases: previousReleases, firstRelease: firstRelease,
                               prebuiltOnly: prebuiltOnly, keepUnresolvedTags: keepUnresolvedTags,
                               templatesDirectory: templatesDirectory,
                               boxPackagePath: boxPackagePath ?? environment["IMAGESMITH_BOX_PACKAGE"],
                               installedShareDirectory: Self.installedShareDirectory,
                               now: now ?? (try? Self.sourceDateEpoch(environment).get()).flatMap { $0 } ?? Date())
        request.parents = parents.map { .init(name: $0.name, sha256: $0.sha256) }
        request.trustRoot = trustRoot
        request.revocations = revocations
        self.registry = registry
        self.environment = environment
        self.output = output
        self.json = json
    }

    static func isValidVersion(_ text: String) -> Bool { ImageVersion(parsing: text) != nil }

    /// `SOURCE_DATE_EPOCH` as reproducible-builds.org defines it: a decimal count of seconds
    /// (ASCII digits, no sign), here up to the end of year 9999. Unset: nil. Anything else is
    /// an error rather than a silent fall back to the clock (or a crash on `inf`).
    public static func sourceDateEpoch(_ environment: [String: String]) -> Result<Date?, ValidationFailure> {
        guard let text = environment["SOURCE_DATE_EPOCH"] else { return .success(nil) }
        guard !text.isEmpty, text.utf8.count <= 12, text.allSatisfy(\.isASCIIDigit), let seconds = Int(text), seconds <= 253_402_300_799 else {
            return .failure(ValidationFailure(message: "SOURCE_DATE_EPOCH '\(text.printable)' is not a number of seconds since 1970 (decimal digits only, up to year 9999)"))
        }
        return .success(Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    public struct ValidationFailure: Error, Sendable { public var message: String }

    public func run() async -> ExitStatus {
        if case .failure(let failure) = Self.sourceDateEpoch(environment) { return output.fail(.usage, [failure.message], json: json) }
        let (registry, environment, output) = (self.registry, self.environment, self.output)
        // Inputs are read where they are; every write goes through the output directory's
        // rooted view, so a link already in --out cannot lead one out of it.
        let engine = BuildEngine(request: request, files: OutputFileSystem(directory: request.outDirectory),
                                 resolver: { insecure throws(BuildError) in
                                     var setup = registry
                                     setup.insecureRegistries += insecure.filter { !setup.insecureRegistries.contains($0) }
                                     return try RegistryContainerResolver.make(setup, environment: environment)
                                 },
                                 sourceControl: GitSourceControl(environment: environment),
                                 note: { output.writeErr("imagesmith: \($0)\n") })
        do throws(BuildError) {
            let shown = registry.progress.map { TerminalProgress($0, verb: "pinned") }
            defer { shown?.finish() }
            let outcome = try await engine.build()
            output.writeOut(json ? CanonicalJSON.text(outcome.report) : outcome.summary)
            for warning in outcome.warnings { output.writeErr("imagesmith: \(warning)\n") }
            return .success
        } catch {
            return output.fail(error.exitStatus, error.messages, json: json, issues: error.issues)
        }
    }

    /// Where an installed imagesmith keeps its data: `<prefix>/share/edge-imagesmith` beside
    /// `<prefix>/bin/imagesmith`.
    static var installedShareDirectory: String? {
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        return Path.join(Path.parent(Path.parent(executable)), "share/edge-imagesmith")
    }
}
