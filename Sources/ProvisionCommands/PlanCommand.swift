import Basics
import ArgumentParser
import Provisioning
import BoxConfig
import FoundationEssentials
import HostIO
import SiteSpec

/// `provision plan SPEC [--root DIR]`: the exact files apply would write, and a diff against
/// what is there now. Changes nothing: a spec from a URL is fetched and checked in memory,
/// never written anywhere.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print the files provisioning would write and how they differ from what is there; change nothing.",
        discussion: """
            Exit status: 0 planned, 64 usage, 65 invalid spec (or one that does not fit the \
            image: its time client), 66 unreadable, 69 the spec URL cannot be reached.
            """
    )

    @OptionGroup var source: SpecSource

    @Option(help: ArgumentHelp("Treat every path as relative to this directory (for image builds and tests).", valueName: "DIR"))
    var root = "/"

    @Option(name: .customLong("network-renderer"), help: "Write netplan or systemd-networkd files.")
    var networkRenderer: BoxConfigurator.NetworkRenderer = .netplan

    @Flag(help: "Print the plan as JSON on stdout ({\"changes\": [...]}; a failure as {\"error\", \"exit_code\", \"issues\"}).")
    var json = false

    struct Report: Encodable {
        var spec: String
        var root: String
        var changes: [PlanReport.Entry]
    }

    func run() async throws {
        let context = ProvisionWiring.context(root: root, json: json)
        let plan: FilePlan
        do {
            let (loaded, name) = try await source.load(context, save: false)
            try ImageFit.check(loaded.spec, bytes: loaded.bytes, name: name, context: context)
            plan = BoxConfigurator(spec: loaded.spec, renderer: networkRenderer, source: name).plan(for: HostState.read(context))
        } catch {
            throw ProvisionWiring.fail(error, json: json)
        }
        if json {
            ProvisionWiring.printJSON(Report(spec: source.isURL ? URLRedaction.redacted(source.spec) : source.spec,
                                             root: context.root.isEmpty ? "/" : context.root, changes: PlanReport.entries(plan, context: context)))
        } else {
            StandardStreams.output(PlanReport.render(plan, context: context))
        }
    }
}
