import Basics
import Foundation
import ImageReference
import RegistryClient

/// The work behind `imagesmith resolve`, callable from tests with its own environment and
/// output. Returns the exit status.
public struct ResolveRunner: Sendable {
    public var references: [String]
    public var platform: Platform?
    public var json: Bool
    public var registry: RegistrySetup
    public var environment: [String: String]
    public var output: CommandOutput

    public init(references: [String], platform: Platform? = nil, json: Bool = false, registry: RegistrySetup = RegistrySetup(), environment: [String: String], output: CommandOutput) {
        self.references = references
        self.platform = platform
        self.json = json
        self.registry = registry
        self.environment = environment
        self.output = output
    }

    public func run() async -> ExitStatus {
        // 1. Parse everything before any request; report every invalid reference.
        var parsed: [(given: String, reference: Reference)] = []
        var invalid: [(given: String, error: String)] = []
        for text in references {
            do { parsed.append((text, try Reference(parsing: text))) }
            catch { invalid.append((text, "invalid reference '\(text.printable)': \(error)")) }
        }
        if !invalid.isEmpty {
            return fail(.dataError, invalid, summary: "\(invalid.count) of \(references.count) reference\(references.count == 1 ? " is" : "s are") invalid; nothing was pinned")
        }
        let resolver: Resolver
        do { resolver = try registry.makeResolver(environment: environment) }
        catch { return output.fail(error.exitStatus, ["\(error)"], json: json) }

        // 2. Resolve each distinct reference once (progress on a terminal meanwhile).
        let shown = registry.progress.map { TerminalProgress($0) }
        let results = await resolver.resolve(parsed.map(\.reference), platform: platform)
        shown?.finish()

        // 3. All or nothing on stdout.
        var failures: [RegistryError] = []
        var failed: [(given: String, error: String)] = []
        var resolved: [(given: String, image: ResolvedImage)] = []
        for (given, reference) in parsed {
            switch results[reference] {
            case .success(let image)?:
                resolved.append((given, image))
            case .failure(let error)?:
                failures.append(error)
                failed.append((given, "cannot resolve '\(given)': \(error)"))
            case nil:
                failures.append(.hashing(detail: "no result"))
                failed.append((given, "cannot resolve '\(given)': no result"))
            }
        }
        if !failures.isEmpty {
            let status: ExitStatus = failures.allSatisfy { $0.exitStatus == .unavailable } ? .unavailable : .failure
            return fail(status, failed, summary: "\(failures.count) of \(parsed.count) reference\(parsed.count == 1 ? "" : "s") failed; nothing was pinned")
        }
        if json {
            output.writeOut(ResolveReport.json(resolved) + "\n")
        } else {
            output.writeOut(ResolveReport.lines(resolved))
        }
        return .success
    }

    /// Every failure on stderr, then the summary; with --json the same as one object on stdout.
    func fail(_ status: ExitStatus, _ failures: [(given: String, error: String)], summary: String) -> ExitStatus {
        for failure in failures { output.writeErr("imagesmith: \(failure.error)\n") }
        output.writeErr("imagesmith: \(summary)\n")
        if json { output.writeOut(ResolveReport.failureJSON(summary, status: status, failures: failures)) }
        return status
    }
}
