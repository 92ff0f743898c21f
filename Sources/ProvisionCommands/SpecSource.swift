import Basics
import ArgumentParser
import FoundationEssentials
import Provisioning
import Transport

/// Where the site spec comes from: a path, or an https URL. A fetched spec is saved durably
/// (0600: it carries the claim token) as the local spec, so later runs work without the
/// server; if a later fetch fails, the saved copy is used and that is said (SpecFetcher).
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

    var fetcher: SpecFetcher {
        SpecFetcher(transport: CurlTransport(caFile: specCAFile, userAgent: ProvisionWiring.userAgent, maxBodyBytes: 1 << 20))
    }

    /// A local path to read the spec from (fetching it first when SPEC is a URL).
    func localPath(_ context: ProvisionContext) async throws -> String {
        guard isURL else { return spec }
        do { return try await fetcher.fetchAndSave(spec, to: context.path(ProvisionCommand.defaultSpecPath), context: context) }
        catch { throw ProvisionWiring.fail(error) }
    }
}
