import ArgumentParser
import Basics
import Foundation

/// `imagesmith build`: image definition → lock, Packer template, compose override, bundle.
struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Turn an image definition into a pinned lock, a Packer template, a compose override and a release bundle.",
        discussion: """
            Writes into --out: <name>.lock.json, <name>.pkr.hcl, packer-init/versions.pkr.hcl, \
            compose.yml, docker-compose.pinned.yml, health-checks.json, scripts/, \
            build-contexts/ (for images built as a fallback), <name>-<version>.tar.gz and the \
            box package the image installs (edge-imagesmith-box_<version>_amd64.deb). \
            With --offline or --lock, the lock is read instead of resolved and nothing touches \
            the network. The version is YYYY.MM.N counted on from what was released before: \
            the releases given with --previous (their bundles or locks: what CI keeps) and the \
            lock already in --out; with none of them a build is refused (64) unless it is the \
            image's --first-release or names its --image-version, so two rebuilds from fresh \
            workspaces never make the same version. Exit status: 0 written, 64 usage (nothing \
            released before known), 65 invalid definition or lock, \
            66 a file it needs is missing, 69 a tag could not be resolved, 73 cannot write, \
            1 anything else. Nothing is written unless everything resolved.
            """
    )

    @Argument(help: ArgumentHelp("The image definition (YAML).", valueName: "DEFINITION"))
    var definition: String

    @Option(help: ArgumentHelp("Output directory.", valueName: "DIR"))
    var out = "build"

    @Option(help: ArgumentHelp("Build from this lock instead of resolving (implies --offline).", valueName: "FILE"))
    var lock: String?

    @Flag(help: "Build from the existing lock (in --out, else beside the definition) without touching the network.")
    var offline = false

    @Option(name: .customLong("image-version"), help: ArgumentHelp("Use this version instead of YYYY.MM.N counted from what was released before.", valueName: "V"))
    var imageVersion: String?

    @Option(name: .customLong("previous"), help: ArgumentHelp("A release made before: its bundle (.tar.gz) or lock (repeatable). The version counts on from the highest.", valueName: "FILE"))
    var previousReleases: [String] = []

    @Flag(name: .customLong("first-release"), help: "Nothing of this image was released before: with no --previous and no lock in --out, start at YYYY.MM.1.")
    var firstRelease = false

    @Flag(help: "Print what was built as JSON on stdout (a failure as {\"error\", \"exit_code\", \"issues\"}).")
    var json = false

    @Flag(name: .customLong("prebuilt-only"), help: "Fail when a pre-built image is missing instead of building it in the image (for CI).")
    var prebuiltOnly = false

    @Flag(name: .customLong("keep-unresolved-tags"), help: "Keep every tag that cannot be resolved (flagged loudly) instead of failing.")
    var keepUnresolvedTags = false

    @Option(help: ArgumentHelp("Directory with the shell steps (default: templates/ beside or above the definition, else the installed ones).", valueName: "DIR"))
    var templates: String?

    @Option(name: .customLong("box-package"), help: ArgumentHelp("The box package the image installs: provision, rollback and their units (scripts/package builds it; default $IMAGESMITH_BOX_PACKAGE, else the one installed with imagesmith).", valueName: "DEB"))
    var boxPackage: String?

    @Option(help: ArgumentHelp("An image the OS image is built on, NAME=sha256:HEX (repeatable): recorded in release.json, signed as a parent, checked against --revocations.", valueName: "NAME=DIGEST"))
    var parent: [String] = []

    @Option(name: .customLong("trust-root"), help: ArgumentHelp("The root of trust the image carries (default: the definition's trust.root).", valueName: "FILE"))
    var trustRoot: String?

    @Option(help: ArgumentHelp("A signed revocation list: refuse to build on a revoked parent image (default: the definition's trust.revocations).", valueName: "FILE"))
    var revocations: String?

    @OptionGroup var registry: RegistryOptions

    func validate() throws {
        if let imageVersion, !BuildRunner.isValidVersion(imageVersion) {
            throw ValidationError("--image-version '\(imageVersion)' must look like YYYY.MM.N, e.g. 2026.11.1.")
        }
        if case .failure(let failure) = BuildRunner.sourceDateEpoch(ProcessInfo.processInfo.environment) {
            throw ValidationError(failure.message)
        }
        _ = try SignCommand.parents(parent)
    }

    func run() async throws {
        let code = await BuildRunner(
            definitionPath: definition, outDirectory: out, lockPath: lock, offline: offline || lock != nil,
            imageVersion: imageVersion, previousReleases: previousReleases, firstRelease: firstRelease, prebuiltOnly: prebuiltOnly, keepUnresolvedTags: keepUnresolvedTags,
            templatesDirectory: templates, boxPackagePath: boxPackage, registry: registry.setup,
            environment: ProcessInfo.processInfo.environment, output: .standard, json: json,
            parents: try SignCommand.parents(parent).map { ($0.name, $0.sha256) }, trustRoot: trustRoot, revocations: revocations
        ).run()
        if code != .success { throw ExitCode(code.rawValue) }
    }
}
