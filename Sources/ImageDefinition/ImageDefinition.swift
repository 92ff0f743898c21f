import ImageReference

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

    public struct HealthCheck: Sendable, Equatable {
        public enum Probe: Sendable, Equatable {
            /// A plain-HTTP GET of a local endpoint must answer with `expectStatus`.
            case http(url: String, expectStatus: Int)
            /// A TCP connection to `host:port` must be accepted.
            case tcp(host: String, port: Int)
            case containerRunning
            case command([String])
        }
        public var name: String
        public var service: String
        public var probe: Probe
        public var intervalSeconds: Int
        public var timeoutSeconds: Int
        public var retries: Int

        public init(name: String, service: String, probe: Probe, intervalSeconds: Int, timeoutSeconds: Int, retries: Int) {
            self.name = name
            self.service = service
            self.probe = probe
            self.intervalSeconds = intervalSeconds
            self.timeoutSeconds = timeoutSeconds
            self.retries = retries
        }

        /// The one reading of a health-check URL, for the build (which refuses what the box
        /// cannot probe) and for the box (which probes it): `http://host[:port][/path]`, an
        /// IPv6 host in brackets, no credentials, no TLS. nil for anything else.
        public static func httpTarget(_ url: String) -> (host: String, port: Int, path: String)? {
            guard url.hasPrefix("http://") else { return nil }
            let rest = url.dropFirst(7)
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            let authority = rest[..<slash]
            let path = slash == rest.endIndex ? "/" : String(rest[slash...])
            guard !authority.isEmpty, !authority.contains("@"), !url.contains(where: { $0 == " " || $0.isNewline }) else { return nil }
            if authority.hasPrefix("[") {
                guard let close = authority.firstIndex(of: "]") else { return nil }
                let host = String(authority[authority.index(after: authority.startIndex)..<close])
                let after = authority[authority.index(after: close)...]
                if after.isEmpty { return (host, 80, path) }
                guard after.hasPrefix(":"), let port = Int(after.dropFirst()), (1...65535).contains(port) else { return nil }
                return (host, port, path)
            }
            let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2, !parts[0].isEmpty else { return nil }
            if parts.count == 1 { return (String(parts[0]), 80, path) }
            guard let port = Int(parts[1]), (1...65535).contains(port) else { return nil }
            return (String(parts[0]), port, path)
        }
    }
}
