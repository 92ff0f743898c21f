/// `site_spec.json`, schema_version "1.0": what a box needs to know at its site. Decoded and
/// validated by `SiteSpec.parse`, which reports every problem at once.
public struct SiteSpec: Sendable, Equatable {
    public static let schemaVersion = "1.0"

    public var site: Site
    public var device: Device
    public var network: Network
    public var time: Time
    public var hosts: [HostEntry]
    public var registration: Registration
    public var labels: [String: String]

    public struct Site: Sendable, Equatable {
        public var id: String
        public var name: String
        public var timezone: String
    }

    public struct Device: Sendable, Equatable {
        public var hostname: String
        public var domain: String?
        public var fqdn: String? { domain.map { "\(hostname).\($0)" } }
    }

    public struct Route: Sendable, Equatable {
        /// nil means the default route of `via`'s family.
        public var to: InterfaceAddress?
        public var via: IPAddress
        public var metric: Int?
    }

    public struct AddressConfig: Sendable, Equatable {
        public enum Mode: String, Sendable, Equatable { case dhcp, ra, `static` }
        public var mode: Mode
        public var addresses: [InterfaceAddress]
        public var gateway: IPAddress?
    }

    /// What interfaces, VLANs and bonds have in common.
    public struct Addressing: Sendable, Equatable {
        public var ipv4: AddressConfig?
        public var ipv6: AddressConfig?
        public var routes: [Route]
        public var mtu: Int?
        /// Not waited for at boot (a camera port may be unplugged).
        public var optional: Bool

        public var carriesIP: Bool { ipv4 != nil || ipv6 != nil || !routes.isEmpty }
    }

    public struct Interface: Sendable, Equatable {
        public enum Match: Sendable, Hashable { case mac(String), name(String) }
        public var id: String
        public var match: Match
        public var addressing: Addressing
    }

    public struct VLAN: Sendable, Equatable {
        public var id: String
        public var link: String
        public var vlanID: Int
        public var addressing: Addressing
    }

    public struct Bond: Sendable, Equatable {
        public static let modes = ["balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb"]
        public var id: String
        public var members: [String]
        public var mode: String
        public var primary: String?
        public var addressing: Addressing
    }

    public struct Network: Sendable, Equatable {
        public var interfaces: [Interface]
        public var vlans: [VLAN]
        public var bonds: [Bond]
        public var dnsServers: [IPAddress]
        public var dnsSearch: [String]
    }

    public struct Time: Sendable, Equatable {
        public enum Client: String, Sendable, Equatable { case chrony, timesyncd }
        public struct Source: Sendable, Equatable {
            public var host: String
            public var type: String
        }
        public var client: Client
        public var sources: [Source]
    }

    public struct HostEntry: Sendable, Equatable {
        public var ip: IPAddress
        public var names: [String]
    }

    public struct Registration: Sendable, Equatable {
        public var url: String
        /// The claim token itself (a secret) or nil when it comes from `claimTokenFile`.
        public var claimToken: String?
        public var claimTokenFile: String?
        public var caPEM: String?
    }
}

extension SiteSpec.Registration: CustomStringConvertible {
    /// Never shows the claim token.
    public var description: String {
        "registration to \(url)" + (claimToken != nil ? " with a claim token (redacted)" : "") + (claimTokenFile.map { " with the claim token in \($0)" } ?? "")
    }
}
