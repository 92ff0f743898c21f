import Basics
import ArgumentParser
import Provisioning
import FoundationEssentials
import SiteSpec

/// `provision validate SPEC`: strict validation only; writes nothing.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a site spec and report every problem at once; change nothing."
    )

    @OptionGroup var source: SpecSource

    func run() async throws {
        let context = ProvisionWiring.context(root: "")
        let spec = try await source.localPath(context)
        do {
            let site = try SpecLoader.load(spec, context: context).spec
            print("\(spec): valid (site \(site.site.id), hostname \(site.device.hostname), \(site.network.interfaces.count) interface\(site.network.interfaces.count == 1 ? "" : "s"), \(site.network.vlans.count) VLAN\(site.network.vlans.count == 1 ? "" : "s"), \(site.network.bonds.count) bond\(site.network.bonds.count == 1 ? "" : "s"), time by \(site.time.client.rawValue))")
        } catch {
            throw ProvisionWiring.fail(error)
        }
    }
}
