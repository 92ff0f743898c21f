import Basics
import ArgumentParser
import FoundationEssentials
import HTTPCore
import HostIO
import Transport

/// Where the site spec comes from: a path, or an https URL. A fetched spec is saved durably
/// (0600: it carries the claim token) as the local spec, so later runs work without the
/// server; if a later fetch fails, the saved copy is used and that is said.
struct SpecSource: ParsableArguments {
    @Argument(help: ArgumentHelp("The site spec: a path or an https:// URL (default \(ProvisionCommand.defaultSpecPath)).", valueName: "SPEC"))
    var spec: String = ProvisionCommand.defaultSpecPath

    @Option(name: .customLong("spec-ca-file"), help: ArgumentHelp("Trust only these CA certificates when fetching SPEC from a URL.", valueName: "PEM"))
    var specCAFile: String?

    func validate() throws {
        if spec.lowercased().hasPrefix("http://") {
            throw ValidationError("the site spec carries a claim token: fetch it over https, not http")
        }
        if let specCAFile, !FileManager.default.isReadableFile(atPath: specCAFile) {
            throw ValidationError("--spec-ca-file \(specCAFile) is not a readable file.")
        }
    }

    var isURL: Bool { spec.lowercased().hasPrefix("https://") }

    /// A local path to read the spec from (fetching it first when SPEC is a URL).
    func localPath(root: String) async throws -> String {
        guard isURL else { return spec }
        let saved = root + ProvisionCommand.defaultSpecPath
        do {
            let bytes = try await Self.fetch(spec, caFile: specCAFile)
            try AtomicFile.makeDirectory(Path.parent(saved))
            try AtomicFile.write(bytes, to: saved, mode: 0o600)
            return saved
        } catch {
            let reason = (error as? FetchError)?.message ?? "\(error)"
            if FileManager.default.fileExists(atPath: saved) {
                StandardStreams.error("provision: note: cannot fetch the site spec (\(reason)); using the copy saved at \(saved)\n")
                return saved
            }
            StandardStreams.error("provision: cannot fetch the site spec from \(Self.redacted(spec)): \(reason)\n")
            throw ExitCode(ExitStatus.unavailable.rawValue)
        }
    }

    struct FetchError: Error { var message: String }

    static func fetch(_ url: String, caFile: String?) async throws -> [UInt8] {
        guard let parsed = URL(string: url) else { throw FetchError(message: "not a URL") }
        let sender = RetryingSender(transport: CurlTransport(caFile: caFile, userAgent: "edge-provision/\(ToolchainVersion.current)", maxBodyBytes: 1 << 20),
                                    policy: RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(500), maxDelay: .seconds(5)))
        let outcome = await sender.send({ _ in
            HTTPRequest(method: .get, url: parsed, headers: HTTPHeaders([("Accept", "application/json")]), timeout: .seconds(30))
        }, shouldRetry: { RetryPolicy.isRetryable(status: $0.status) })
        switch outcome {
        case .answered(let response, _):
            guard response.status == 200 else { throw FetchError(message: "HTTP \(response.status)") }
            return response.body
        case .failed(let error, let response, _, _):
            throw FetchError(message: error?.detail ?? response.map { "HTTP \($0.status)" } ?? "no answer")
        }
    }

    /// URLs may carry a token in their query: never print it.
    static func redacted(_ url: String) -> String { URLRedaction.redacted(url) }
}
