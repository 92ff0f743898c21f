import ArgumentParser
import Basics
import Fleet
import Foundation
import HostIO
import SiteSpec

/// `imagesmith fleet config`: site configurations as versions, staged like releases.
struct FleetConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Publish a site's configuration as a version, and point the site at one (or roll it out: fleet rollout start --site --config).",
        subcommands: [Publish.self, SetVersion.self]
    )

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish a site spec as a config version of a site (validated as provision validates it; immutable once published)."
        )

        @OptionGroup var store: FleetOptions
        @Argument(help: ArgumentHelp("The site.", valueName: "SITE")) var site: String
        @Argument(help: ArgumentHelp("The site spec (site_spec.json).", valueName: "FILE")) var file: String
        @Option(help: ArgumentHelp("The config version, YYYY.MM.N.", valueName: "VERSION")) var version: String

        func run() async throws {
            let limit = 1 << 20
            let outcome = BoundedFile.read(file, limit: limit)
            guard case .bytes(let bytes) = outcome else {
                throw CommandOutput.standard.exit(FleetError.invalidInput("\(file.printable) \(BoundedFile.problem(outcome, limit: limit) ?? "cannot be read")"),
                                                  status: .noInput, json: store.json)
            }
            // The same validation provision applies on the box: a spec it would refuse is not
            // published (the time zone is looked up on this machine's zoneinfo).
            do {
                _ = try SiteSpec.parse(bytes, file: file, timezoneExists: { FileManager.default.fileExists(atPath: "/usr/share/zoneinfo/" + $0) })
            } catch {
                throw CommandOutput.standard.exit(error, status: .dataError, json: store.json)
            }
            try await FleetCommandSupport.run(json: store.json) { () async throws(FleetError) in
                let site = try FleetName.parse(site, as: "site")
                let version = try FleetVersion.parse(version, as: "--version")
                try await store.engine().publishConfig(site: site, version: version, bytes)
                return (["config \(version) of site \(site) published"], ["site": site.text, "version": version.text])
            }
        }
    }

    struct SetVersion: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Point a site's config channel at a published config version by hand (no config rollout running on it)."
        )

        @OptionGroup var store: FleetOptions
        @Argument(help: ArgumentHelp("The site.", valueName: "SITE")) var site: String
        @Argument(help: ArgumentHelp("A published config version.", valueName: "VERSION")) var version: String

        func run() async throws {
            try await FleetCommandSupport.run(json: store.json) { () async throws(FleetError) in
                let site = try FleetName.parse(site, as: "site")
                let version = try FleetVersion.parse(version, as: "version")
                try await store.engine().setSiteConfig(site: site, version: version)
                return (["site \(site) is at config \(version)"], ["site": site.text, "config": version.text])
            }
        }
    }
}
