// swift-tools-version: 6.1
import PackageDescription

// Dependencies point inward: commands -> adapters and core; adapters -> core seams;
// core -> Foundation, swift-log and each other. See docs/architecture.md.
let package = Package(
    name: "edge-imagesmith",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "imagesmith", targets: ["imagesmith"]),
        .executable(name: "provision", targets: ["provision"]),
        .executable(name: "rollback", targets: ["rollback"]),
        // provision and rollback in one binary, for the box package (scripts/package).
        .executable(name: "edge-box", targets: ["edge-box"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C libraries: module map + shim header (typed wrappers for variadics, macro constants).
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // glibc's _GNU_SOURCE-only functions (pipe2, posix_spawn chdir), declared for Swift.
        .systemLibrary(name: "CSystem"),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),

        // Pure core.
        // Path, text, time and lock helpers over FoundationEssentials: the box tools link no
        // full Foundation (and so no ICU data).
        .target(name: "Basics"),
        .target(name: "ImageReference"),
        .target(name: "ImageDefinition", dependencies: [
            "Basics", "ImageReference", "Release",
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "Lock", dependencies: ["Basics", "ImageReference"]),
        .target(name: "SiteSpec", dependencies: ["Basics"]),
        // Signed releases: the root of trust (TUF root metadata), DSSE envelopes, release
        // statements, revocations, rollback authorizations and the rules a box applies; pure,
        // with the cryptography behind the TrustCrypto seam.
        .target(name: "Trust", dependencies: ["Basics"]),
        .target(name: "BoxConfig", dependencies: ["Basics", "SiteSpec"]),
        // The fleet: the store layout, its records, the rollout rules and the store seam; pure.
        .target(name: "Fleet", dependencies: ["Basics", "Lock"]),
        // The rollout engine over the FleetStore seam (etcd, or S3).
        .target(name: "FleetEngine", dependencies: ["Basics", "Fleet", .product(name: "Logging", package: "swift-log")]),
        // The device agent's rules over the FleetStore and BoxControl seams.
        .target(name: "FleetAgent", dependencies: ["Basics", "Fleet", .product(name: "Logging", package: "swift-log")]),
        .target(name: "Release", dependencies: ["Basics", "ImageReference", "Lock"]),
        // The writer of the device-side files shares their schema with the reader (Release).
        .target(name: "PackerTemplate", dependencies: ["Basics", "ImageReference", "ImageDefinition", "Lock", "Release"]),
        // The build's pinning rules and the offline lock check, pure (no registry client).
        .target(name: "BuildPolicy", dependencies: ["Basics", "ImageDefinition", "ImageReference", "Lock"]),
        // The build's engine: read and check, resolve or read the lock, render, write (lock
        // last) over the file system, resolver and source-control seams.
        .target(name: "ImageBuild", dependencies: [
            "Archive", "Basics", "BuildPolicy", "Hashing", "HostIO", "ImageDefinition", "ImageReference", "Lock", "PackerTemplate", "Release",
            "Signing", "Trust",
        ]),
        // HTTP messages, the transport seam and the retry rules: what the registry client, the
        // curl transport and provision's registration share.
        .target(name: "HTTPCore", dependencies: ["Basics"]),
        .target(name: "RegistryClient", dependencies: [
            "Basics", "HTTPCore", "ImageReference",
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Adapters.
        .target(name: "Hashing", dependencies: ["COpenSSL", "ImageReference"]),
        // Ed25519 (releases, roots, revocations) and ECDSA P-256 (cosign) over OpenSSL's EVP API.
        .target(name: "Signing", dependencies: ["Basics", "COpenSSL", "Hashing", "Trust"]),
        .target(name: "Transport", dependencies: [
            "Basics", "CCurl", "HTTPCore", "HostIO",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Credentials", dependencies: [
            "Basics", "RegistryClient", "ImageReference", "HostIO",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Archive", dependencies: ["CArchive"]),
        // etcd v3 through its JSON gateway over the HTTP transport seam: the FleetStore, users
        // and roles, leases.
        .target(name: "Etcd", dependencies: ["Basics", "Fleet", "HTTPCore", .product(name: "Logging", package: "swift-log")]),
        // S3 (Signature Version 4, ListObjectsV2, conditional GET/PUT) as the fleet's second
        // store behind the same seam; rollouts, which need transactions, stay on etcd.
        .target(name: "S3", dependencies: ["Basics", "Fleet", "HTTPCore", "Hashing", .product(name: "Logging", package: "swift-log")]),
        // A release bundle read from disk as hostile input (libarchive, then Release's checks).
        .target(name: "ReleaseArchive", dependencies: ["Archive", "Hashing", "HostIO", "Release"]),
        .target(name: "HostIO", dependencies: ["Basics", "CSystem"]),
        // The resolver's manifest cache on the build host's disk.
        .target(name: "ManifestCache", dependencies: [
            "Basics", "HostIO", "ImageReference", "RegistryClient",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "OCILayout", dependencies: ["Archive", "Hashing"]),

        // What a release manager does with keys, apart from the build: roots, release
        // signatures, countersignatures, revocations, rollback authorizations.
        .target(name: "TrustAuthoring", dependencies: ["Basics", "Hashing", "HostIO", "Release", "ReleaseArchive", "Signing", "Trust"]),

        // Command libraries and thin executables.
        .target(name: "ImagesmithCommands", dependencies: [
            "Basics", "ImageReference", "RegistryClient", "Transport", "Credentials", "Hashing", "HostIO",
            "ManifestCache", "Lock", "BuildPolicy", "ImageBuild", "Signing", "Trust", "TrustAuthoring",
            "Fleet", "FleetEngine", "Etcd", "S3", "SiteSpec",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Provisioning's rules (apply, journal, registration, spec fetch, first boot) over
        // seams (FileSystem, clock, sleeper, HTTPTransport, volumes, activation); the command
        // module wires the real ones (libcurl among them) and prints.
        .target(name: "Provisioning", dependencies: [
            "Basics", "SiteSpec", "BoxConfig", "HostIO", "Hashing", "HTTPCore",
        ]),
        .target(name: "ProvisionCommands", dependencies: [
            "Basics", "SiteSpec", "BoxConfig", "HostIO", "HTTPCore", "Transport", "Provisioning",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // No libcurl: a box rolls back without a network. The engine holds every rule over
        // seams (FileSystem, ContainerEngine, HealthProbing, BootedSystem, clock, sleeper);
        // the command module parses, wires the real ones and prints.
        .target(name: "RollbackEngine", dependencies: [
            "Basics", "Release", "ReleaseArchive", "Lock", "ImageReference", "Archive", "Hashing", "HostIO", "Signing", "Trust",
        ]),
        .target(name: "RollbackCommands", dependencies: [
            "Basics", "Release", "Lock", "HostIO", "RollbackEngine",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The fleet agent on the box: its configuration, the box tools as its BoxControl.
        .target(name: "AgentCommands", dependencies: [
            "Basics", "Fleet", "FleetAgent", "Etcd", "S3", "Transport", "HTTPCore", "Hashing", "HostIO", "Release", "ReleaseArchive",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // How the three tools start: parse, run, exit; JSON in every outcome with --json.
        .target(name: "ToolMain", dependencies: ["Basics", .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "Logging", package: "swift-log")]),
        .executableTarget(name: "imagesmith", dependencies: [
            "ImagesmithCommands", "ToolMain",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "provision", dependencies: ["ProvisionCommands", "ToolMain"]),
        .executableTarget(name: "rollback", dependencies: ["RollbackCommands", "ToolMain"]),
        .executableTarget(name: "edge-box", dependencies: [
            "AgentCommands", "Basics", "ProvisionCommands", "RollbackCommands", "ToolMain", .product(name: "Logging", package: "swift-log"),
        ]),
        // The fleet simulation: device agents over simulated boxes and the rollout engine against
        // a real etcd on a virtual clock (trials), or in real time (load); fleet-sim runs it.
        .target(name: "FleetSimulation", dependencies: [
            "Basics", "Fleet", "FleetAgent", "FleetEngine", "Etcd", "HTTPCore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "fleet-sim", dependencies: [
            "FleetSimulation", "Etcd", "Transport", "Basics", "HostIO",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Developer tool: writes the small OCI image layouts the demo and benchmarks push.
        .executableTarget(name: "oci-fixtures", dependencies: [
            "OCILayout",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Tests.
        .target(name: "TestSupport", dependencies: ["Basics", "OCILayout"], path: "Tests/TestSupport", exclude: ["Fixtures"]),
        .testTarget(name: "BasicsTests", dependencies: ["Basics"]),
        .testTarget(name: "ImageReferenceTests", dependencies: ["ImageReference"]),
        .testTarget(name: "HashingTests", dependencies: ["Hashing", "ImageReference"]),
        .testTarget(name: "ImageDefinitionTests", dependencies: ["ImageDefinition", "ImageReference", "TestSupport"]),
        .testTarget(name: "SiteSpecTests", dependencies: ["Basics", "SiteSpec", "TestSupport"]),
        .testTarget(name: "BoxConfigTests", dependencies: ["BoxConfig", "SiteSpec", "TestSupport"], exclude: ["Golden"]),
        .testTarget(name: "ProvisionTests", dependencies: ["Provisioning", "Basics", "BoxConfig", "HTTPCore", "HostIO", "SiteSpec", "TestSupport", "provision"]),
        .testTarget(name: "ImageBuildTests", dependencies: ["ImageBuild", "Basics", "BuildPolicy", "HostIO", "ImageReference", "Lock", "PackerTemplate", "TestSupport"]),
        .testTarget(name: "BuildPolicyTests", dependencies: ["BuildPolicy", "ImageDefinition", "ImageReference", "Lock"]),
        .testTarget(name: "LockTests", dependencies: ["Lock", "ImageReference"]),
        .testTarget(name: "PackerTemplateTests", dependencies: ["Basics", "PackerTemplate", "Release", "Lock", "ImageDefinition", "ImageReference", "TestSupport"],
                    exclude: ["Golden"]),
        .testTarget(name: "HostIOTests", dependencies: ["HostIO", "ImageReference", "TestSupport"]),
        .testTarget(name: "ArchiveTests", dependencies: ["Archive", "OCILayout", "TestSupport"]),
        .testTarget(name: "RegistryClientTests", dependencies: ["RegistryClient", "Basics", "Hashing", "HTTPCore", "ImageReference", "ManifestCache", "TestSupport"]),
        .testTarget(name: "CredentialsTests", dependencies: ["Credentials", "RegistryClient", "ImageReference", "TestSupport"]),
        // Signed releases: the trust rules with OpenSSL, against openssl pkeyutl and python-tuf.
        .testTarget(name: "TrustTests", dependencies: ["Trust", "Signing", "Basics", "TestSupport"]),
        // The rollout rules in-process; the store layout, roles and rollouts against a real etcd.
        .testTarget(name: "FleetTests", dependencies: ["Fleet", "FleetEngine", "FleetAgent", "FleetSimulation", "Etcd", "S3", "Basics", "HTTPCore", "Transport", "TestSupport", "imagesmith"]),
        .testTarget(name: "ReleaseTests", dependencies: ["Release", "Lock", "Hashing", "TestSupport"]),
        // The rollback engine's rules in-process, over memory and scripts (milliseconds).
        .testTarget(name: "RollbackEngineTests", dependencies: ["RollbackEngine", "Release", "Lock", "HostIO", "Hashing", "Basics", "ImageReference", "Signing", "Trust"]),
        .testTarget(name: "RollbackTests", dependencies: ["Basics", "HostIO", "Hashing", "TestSupport", "rollback", "imagesmith", "edge-box", "provision"]),
        // The box package built for real, installed into a Debian root by the template's own
        // step, and booted with systemd as PID 1 (systemd-nspawn).
        .testTarget(name: "FirstBootTests", dependencies: ["TestSupport", "HostIO", "Hashing"]),
        .testTarget(name: "IntegrationTests", dependencies: [
            "Basics", "ImagesmithCommands", "ImageReference", "Hashing", "OCILayout",
            "TestSupport", "imagesmith", "Lock", "Archive",
        ]),
    ]
)
