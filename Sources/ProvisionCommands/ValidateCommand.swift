import Basics
import ArgumentParser
import Provisioning
import FoundationEssentials
import SiteSpec

/// `provision validate SPEC`: strict validation only; writes nothing (a spec fetched from a
/// URL is checked in memory and not saved).
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a site spec and report every problem at once; change nothing.",
        discussion: """
            Every problem is listed with its line:column and JSON Pointer. Without --root the \
            spec alone is judged; with --root DIR it is also checked against the image there \
            (its time client must be one the image has), as apply, plan and first-boot check \
            it. Exit status: 0 valid, 64 usage, 65 invalid, 66 unreadable, 69 the spec URL \
            cannot be reached.
            """
    )

    @OptionGroup var source: SpecSource

    @Option(help: ArgumentHelp("Also check that the spec fits the image in this directory (its time client). Nothing is written there.", valueName: "DIR"))
    var root: String?

    @Flag(help: "Print the result as JSON on stdout (a failure too: {\"error\", \"exit_code\", \"issues\"}).")
    var json = false

    struct Report: Encodable {
        var valid = true
        var spec: String
        var siteID: String
        var hostname: String
        var interfaces: Int
        var vlans: Int
        var bonds: Int
        var timeClient: String

        enum CodingKeys: String, CodingKey {
            case valid, spec, siteID = "site_id", hostname, interfaces, vlans, bonds, timeClient = "time_client"
        }
    }

    func run() async throws {
        let context = ProvisionWiring.context(root: root ?? "/", json: json)
        let site: SiteSpec
        do {
            let (loaded, name) = try await source.load(context, save: false)
            if root != nil { try ImageFit.check(loaded.spec, bytes: loaded.bytes, name: name, context: context) }
            site = loaded.spec
        } catch { throw ProvisionWiring.fail(error, json: json) }
        let shown = source.isURL ? URLRedaction.redacted(source.spec) : source.spec
        let report = Report(spec: shown, siteID: site.site.id, hostname: site.device.hostname, interfaces: site.network.interfaces.count,
                            vlans: site.network.vlans.count, bonds: site.network.bonds.count, timeClient: site.time.client.rawValue)
        if json { ProvisionWiring.printJSON(report); return }
        func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        StandardStreams.output("\(shown.printable): valid (site \(report.siteID), hostname \(report.hostname), \(count(report.interfaces, "interface")), \(count(report.vlans, "VLAN")), \(count(report.bonds, "bond")), time by \(report.timeClient))\n")
    }
}
