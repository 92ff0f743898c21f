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

    public struct Base: Sendable, Equatable {
        public var ubuntuRelease: String
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
        public var isoURL: String
        public var isoChecksum: String
        public var diskSize: String
        public var memoryMB: Int
        public var cpus: Int
        public var sshUsername: String
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
        public var dockerCEVersion: String
        public var nvidiaContainerToolkitVersion: String
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
    }

    public struct Compose: Sendable, Equatable {
        public var project: String
        /// Path of the base compose file, relative to the definition.
        public var file: String
    }

    /// A health check of the release: one model for the definition and the box.
    public typealias HealthCheck = Release.HealthCheck
}
