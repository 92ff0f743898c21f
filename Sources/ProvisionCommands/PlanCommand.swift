import Basics
import ArgumentParser
import Provisioning
import BoxConfig
import FoundationEssentials
import HostIO
import SiteSpec
#if canImport(Glibc)
import Glibc
#endif

/// `provision plan SPEC [--root DIR]`: the exact files apply would write, and a diff against
/// what is there now. Changes nothing.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print the files provisioning would write and how they differ from what is there; change nothing."
    )

    @OptionGroup var source: SpecSource

    @Option(help: ArgumentHelp("Treat every path as relative to this directory (for image builds and tests).", valueName: "DIR"))
    var root = "/"

    @Option(name: .customLong("network-renderer"), help: "Write netplan or systemd-networkd files.")
    var networkRenderer: BoxConfigurator.NetworkRenderer = .netplan

    func run() async throws {
        let site: SiteSpec
        let context = ProvisionWiring.context(root: root)
        // plan changes nothing: a URL is fetched but not saved.
        let spec = try await planSpecPath()
        do { site = try SpecLoader.load(spec, context: context).spec }
        catch { throw ProvisionWiring.fail(error) }
        let configurator = BoxConfigurator(spec: site, renderer: networkRenderer,
                                           source: Path.name(spec))
        print(PlanReport.render(configurator.plan(for: HostState.read(context)), context: context), terminator: "")
    }
}

extension PlanCommand {
    func planSpecPath() async throws -> String {
        guard source.isURL else { return source.spec }
        do {
            let bytes = try await source.fetcher.fetch(source.spec)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edge-plan-\(getpid())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let path = directory.appendingPathComponent("site_spec.json").path
            try AtomicFile.write(bytes, to: path, mode: 0o600)
            return path
        } catch {
            StandardStreams.error("provision: cannot fetch the site spec from \(URLRedaction.redacted(source.spec)): \((error as? SpecFetcher.Failure)?.message ?? "\(error)")\n")
            throw ExitCode(ExitStatus.unavailable.rawValue)
        }
    }
}
