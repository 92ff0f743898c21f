import Basics
import ArgumentParser
import FoundationEssentials
import HostIO
import Provisioning
import SiteSpec
import Transport

/// Where the site spec comes from: a path, or an https URL. A fetched spec is validated before
/// anything is kept; `apply` and `register` then save it durably (0600: it carries the claim
/// token) as the local spec, so later runs work without the server, and a bad answer never
/// replaces the copy saved before (SpecFetcher). `validate` and `plan` keep nothing.
struct SpecSource: ParsableArguments {
    @Argument(help: ArgumentHelp("The site spec: a path or an https:// URL (default \(ProvisionCommand.defaultSpecPath)).", valueName: "SPEC"))
    var spec: String = ProvisionCommand.defaultSpecPath

    @Option(name: .customLong("spec-ca-file"), help: ArgumentHelp("Trust only these CA certificates when fetching SPEC from a URL.", valueName: "PEM"))
    var specCAFile: String?

    func validate() throws {
        if spec.lowercased().hasPrefix("http://") {
            throw ValidationError("the site spec carries a claim token: fetch it over https, not http")
        }
        if isURL, URL(string: spec)?.host?.isEmpty ?? true || spec.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7f }) {
            throw ValidationError("'\(spec.printable)' is not an https URL")
        }
        if let specCAFile, !FileInfo.isRegularFile(specCAFile) || !FileManager.default.isReadableFile(atPath: specCAFile) {
            throw ValidationError("--spec-ca-file \(specCAFile) is not a readable file.")
        }
    }

    var isURL: Bool { spec.lowercased().hasPrefix("https://") }

    var fetcher: SpecFetcher {
        SpecFetcher(transport: CurlTransport(caFile: specCAFile, userAgent: ProvisionWiring.userAgent, maxBodyBytes: 1 << 20))
    }

    /// The spec read and validated, and the name its rendered files cite. With `save`, a
    /// fetched spec is saved as the box's spec under the root.
    func load(_ context: ProvisionContext, save: Bool) async throws(ProvisionError) -> (loaded: SpecLoader.Loaded, name: String) {
        guard isURL else {
            // The operator's file, read where it is (not under --root): a regular file of at
            // most 1 MiB; a FIFO or device is never opened for reading.
            let read = BoundedFile.read(spec, limit: JSONReader.defaultMaximumBytes)
            guard case .bytes(let bytes) = read else {
                if case .tooLarge = read {
                    throw .invalidSpec(SpecError(issues: [PositionedIssue(file: spec, position: .start, pointer: "",
                                                                            message: "the spec \(BoundedFile.problem(read, limit: JSONReader.defaultMaximumBytes) ?? "")")]))
                }
                throw .noSpec("the site spec \(spec) \(BoundedFile.problem(read, limit: JSONReader.defaultMaximumBytes) ?? "cannot be read")")
            }
            return (SpecLoader.Loaded(spec: try SpecLoader.parse(bytes, name: spec, context: context), bytes: bytes), Path.name(spec))
        }
        let saved = context.path(ProvisionCommand.defaultSpecPath)
        return (try await fetcher.fetchValidated(spec, saveAt: save ? saved : nil, context: context), Path.name(saved))
    }
}
