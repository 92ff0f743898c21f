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
        var invalid: [String] = []
        for text in references {
            do { parsed.append((text, try Reference(parsing: text))) }
            catch { invalid.append("imagesmith: invalid reference '\(text)': \(error)\n") }
        }
        if !invalid.isEmpty {
            invalid.forEach(output.writeErr)
            return .dataError
        }
        let resolver: Resolver
        do { resolver = try registry.makeResolver(environment: environment) }
        catch { output.writeErr("imagesmith: \(error)\n"); return error.exitStatus }

        // 2. Resolve each distinct reference once.
        let results = await resolver.resolve(parsed.map(\.reference), platform: platform)

        // 3. All or nothing on stdout.
        var failures: [RegistryError] = []
        var resolved: [(given: String, image: ResolvedImage)] = []
        for (given, reference) in parsed {
            switch results[reference] {
            case .success(let image)?:
                resolved.append((given, image))
            case .failure(let error)?:
                failures.append(error)
                output.writeErr("imagesmith: cannot resolve '\(given)': \(error)\n")
            case nil:
                output.writeErr("imagesmith: cannot resolve '\(given)': no result\n")
                failures.append(.hashing(detail: "no result"))
            }
        }
        if !failures.isEmpty {
            output.writeErr("imagesmith: \(failures.count) of \(parsed.count) reference\(parsed.count == 1 ? "" : "s") failed; nothing was pinned\n")
            return failures.allSatisfy { $0.exitStatus == .unavailable } ? .unavailable : .failure
        }
        if json {
            output.writeOut(ResolveReport.json(resolved) + "\n")
        } else {
            output.writeOut(ResolveReport.lines(resolved))
        }
        return .success
    }
}
