import Basics
import ImageReference
import Release

/// An image definition (schema version 1): what one golden image contains. Decoded from YAML
/// by `ImageDefinition.parse`, which validates everything and reports every problem at once.
public struct ImageDefinition: Sendable, Equatable {
    public static let schemaVersion = 1

    public var name: String
    public var description: String?
    public var base: Base
    public var hardening: Hardening
    public var packages: [String]
    public var docker: Docker
    public var containers: [Container]
    public var compose: Compose?
    public var healthChecks: [HealthCheck]
    /// Signed releases: the root of trust the image carries, and the revocation list the
    /// build checks its parent images against.
    public var trust: Trust? = nil

    public struct Trust: Sendable, Equatable {
        /// The root of trust (TUF root metadata), relative to the definition: baked into the
        /// image as /etc/edge-imagesmith/trust/root.json.
        public var root: String
        /// A signed revocation list, relative to the definition: the build refuses a revoked
        /// parent image.
        public var revocations: String?
    }

    public struct Base: Sendable, Equatable {
        /// The distribution the source images run: production images are Ubuntu LTS; the image
        /// lab's base disk is Debian (made here from Debian's packages).
        public enum OS: Sendable, Equatable {
            case ubuntu(release: String)
            case debian(release: String)
        }
        public var os: OS
        public var amazonEBS: AmazonEBS?
        public var qemu: QEMU?
    }

    public struct AmazonEBS: Sendable, Equatable {
        public enum SourceAMI: Sendable, Equatable {
            case pinned(String)
            case filter(owners: [String], name: String)
        }
        public var region: String
        public var instanceType: String
        public var sourceAMI: SourceAMI
        public var sshUsername: String
        public var volumeSizeGB: Int
    }

    public struct QEMU: Sendable, Equatable {
        public enum Accelerator: String, Sendable, Equatable { case kvm, tcg }
        public var isoURL: String
        public var isoChecksum: String
        public var diskSize: String
        public var memoryMB: Int
        public var cpus: Int
        public var sshUsername: String
        /// kvm (the default) or tcg: software emulation, for hosts where KVM does not work.
        public var accelerator: Accelerator
        /// Whether the build attaches a NoCloud seed ISO (cloud images: it authorizes the build's
        /// key); false for a source image that has the build user's key already.
        public var nocloudSeed: Bool
    }

    public struct Hardening: Sendable, Equatable {
        public struct Rule: Sendable, Equatable {
            public var port: Int
            public var proto: String
            public var from: String
            public var comment: String?
        }
        public var cisLevel: Int
        public var ufwDefaultIncoming: String
        public var ufwAllow: [Rule]
    }

    public struct Docker: Sendable, Equatable {
        /// Where Docker comes from. `dockerCE` fails the build when Docker CE's repository cannot
        /// be reached; `dockerCEOrDistribution` then installs the distribution's docker.io,
        /// loudly, and records it.
        public enum Source: String, Sendable, Equatable { case dockerCE = "docker-ce", dockerCEOrDistribution = "docker-ce-or-distribution" }
        /// Whether the NVIDIA runtime must be installed (`required`: no GPU or no repository
        /// fails the build) or is skipped, loudly and on record, without them (`ifAvailable`).
        public enum NVIDIA: String, Sendable, Equatable { case required, ifAvailable = "if-available" }
        public var dockerCEVersion: String
        public var nvidiaContainerToolkitVersion: String
        public var source: Source
        public var nvidia: NVIDIA
        /// Registries the daemon may pull from over plain HTTP (host:port), for a lab registry.
        public var insecureRegistries: [String]
    }

    public struct Container: Sendable, Equatable {
        public enum OnUnresolved: String, Sendable, Equatable, Codable { case fail, keepTag = "keep-tag" }
        public struct Build: Sendable, Equatable {
            public var context: String
            public var dockerfile: String
        }
        /// The compose service name.
        public var name: String
        /// As written in the definition.
        public var image: String
        public var reference: Reference
        public var platform: Platform
        /// False for stateful services (databases) that stay on their tag.
        public var pin: Bool
        public var onUnresolved: OnUnresolved
        public var build: Build?
        /// Cosign key-based signatures checked for this image at resolve time.
        public var signature: Signature? = nil
        /// Where the name is in the definition (for problems that concern the container as a
        /// whole, such as a compose file without its service).
        public var namePosition: SourcePosition = .start

        public struct Signature: Sendable, Equatable {
            /// The cosign public key (PEM, ECDSA P-256), relative to the definition.
            public var key: String
            /// true: a missing or invalid signature fails the build; false: a missing one is a
            /// warning, an invalid one still fails.
            public var required: Bool
        }
    }

    public struct Compose: Sendable, Equatable {
        public var project: String
        /// Path of the base compose file, relative to the definition.
        public var file: String
    }

    /// A health check of the release: one model for the definition and the box.
    public typealias HealthCheck = Release.HealthCheck
}
