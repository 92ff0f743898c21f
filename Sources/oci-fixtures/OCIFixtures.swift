import ArgumentParser
import Foundation
import OCILayout

/// Developer tool: writes small, real images as OCI layouts for the demo and benchmarks
/// (`skopeo copy --all --preserve-digests oci:DIR:TAG docker://...` pushes them).
@main
struct OCIFixtures: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oci-fixtures",
        abstract: "Write a small test image into an OCI layout and print its digest."
    )

    @Argument(help: "The OCI layout directory (created if missing).")
    var directory: String

    @Option(help: "The tag inside the layout.")
    var tag: String

    @Option(name: .customLong("platform"), help: "A platform os/arch[/variant] (repeatable; two or more make an index).")
    var platforms: [String] = ["linux/amd64"]

    @Option(help: "Text mixed into the content, so different seeds give different digests.")
    var seed = ""

    @Option(help: "Media types.")
    var format: OCILayoutWriter.Format = .oci

    @Flag(help: "Add an unknown/unknown attestation manifest to the index.")
    var attestation = false

    func run() throws {
        let writer = OCILayoutWriter(directory: URL(fileURLWithPath: directory), format: format)
        let written = try writer.write(tag: tag, platforms: platforms.map(OCILayoutWriter.PlatformSpec.init), seed: seed, attestation: attestation)
        print(written.digest)
    }
}

extension OCILayoutWriter.Format: ExpressibleByArgument {}
