import ArgumentParser

/// `provision`: configures a new edge box from its site spec on first boot.
/// Its subcommands (validate, plan, apply, status) arrive with the provisioning work.
public struct ProvisionCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "provision",
        abstract: "Configure a new edge box from site_spec.json on first boot (not yet implemented: prints this help).",
        version: "0.1.0"
    )

    public init() {}

    public func run() throws {
        print(Self.helpMessage())
    }
}
