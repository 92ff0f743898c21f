import ArgumentParser
import Basics

/// `provision`: configures a new edge box from its site spec on first boot.
public struct ProvisionCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "provision",
        abstract: "Configure a new edge box from site_spec.json on first boot: network, time, hostname, hosts.",
        discussion: """
            The spec's format, the files written and their crash safety: \
            /usr/share/doc/edge-imagesmith-box/provision.md. \
            Exit status: 0 done; 1 registration refused, or written but not brought into effect \
            on the running system; 3 (status) not provisioned yet or incomplete; 64 usage; 65 \
            invalid site spec, or one that does not fit the image (every problem with its JSON \
            Pointer and line:column); 66 the spec cannot be read or is not a regular file; 69 \
            the spec URL unreachable with no saved copy; 73 a file could not be written; 75 \
            configured, registration pending.
            """,
        version: ToolchainVersion.current,
        subcommands: [ValidateCommand.self, PlanCommand.self, ApplyCommand.self, FirstBootCommand.self, RegisterCommand.self, StatusCommand.self]
    )

    public init() {}

    /// Where the spec is looked for when none is given.
    public static let defaultSpecPath = "/etc/edge-imagesmith/site_spec.json"
}
