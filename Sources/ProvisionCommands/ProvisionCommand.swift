import ArgumentParser
import Basics

/// `provision`: configures a new edge box from its site spec on first boot.
public struct ProvisionCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "provision",
        abstract: "Configure a new edge box from site_spec.json on first boot: network, time, hostname, hosts.",
        discussion: """
            Exit status: 0 success, 64 usage error, 65 invalid site spec (every problem is \
            listed with its JSON Pointer and line:column), 66 the spec cannot be read.
            """,
        version: ToolchainVersion.current,
        subcommands: [ValidateCommand.self, PlanCommand.self, ApplyCommand.self, FirstBootCommand.self, RegisterCommand.self, StatusCommand.self]
    )

    public init() {}

    /// Where the spec is looked for when none is given.
    public static let defaultSpecPath = "/etc/edge-imagesmith/site_spec.json"
}
