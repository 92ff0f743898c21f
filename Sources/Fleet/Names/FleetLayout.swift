/// Where everything lives in the fleet store (docs/fleet.md, "Layout"). Version 1:
///
///     <root>/layout                               {"layout": 1}
///     <root>/releases/<version>                   ReleaseEntry, immutable (created once)
///     <root>/channels/<channel>                   ChannelRecord, moved by compare-and-swap
///     <root>/rollouts/<id>/plan                   RolloutPlan, immutable
///     <root>/rollouts/<id>/cohort                 RolloutCohort, immutable (the order)
///     <root>/rollouts/<id>/state                  RolloutState, moved only by compare-and-swap
///     <root>/engine-clock                         RevisionClock: the rollout engines' marks of time against revisions
///     <root>/sites/<site>/config                  a site spec (provision's format), applied as it changes
///     <root>/sites/<site>/channel                 ChannelRecord of config versions (staged configs)
///     <root>/configs/<site>/<version>             a site spec, immutable (created once)
///     <root>/devices/<device>/enrollment          DeviceEnrollment (site, channel, policy)
///     <root>/devices/<device>/desired             DeviceDesired, written by the rollout engine
///     <root>/devices/<device>/desired-config      DeviceDesired of a config version, likewise
///     <root>/devices/<device>/registry-logins     RegistryLogins (secret: the device's own prefix only)
///     <root>/devices/<device>/status              DeviceReport, written by the device only
///     <root>/devices/<device>/presence            DevicePresence, on the device's lease (etcd)
///
/// A device's credential reads `releases/`, `channels/`, its site's keys and config versions
/// and its own keys, and
/// writes only its `status` and `presence` (FleetLayout.devicePermissions).
public struct FleetLayout: Sendable, Equatable {
    public static let version = 1
    /// The prefix every key starts with, ending in '/'.
    public let root: String

    public init(root: String = "/edge/v1/") {
        self.root = root.hasSuffix("/") ? root : root + "/"
    }

    public var layoutKey: String { root + "layout" }
    public var releasesPrefix: String { root + "releases/" }
    public func release(_ version: String) -> String { releasesPrefix + version }
    public var channelsPrefix: String { root + "channels/" }
    public func channel(_ name: FleetName) -> String { channelsPrefix + name.text }
    public var rolloutsPrefix: String { root + "rollouts/" }
    public func rolloutPlan(_ id: FleetName) -> String { rolloutsPrefix + id.text + "/plan" }
    public func rolloutCohort(_ id: FleetName) -> String { rolloutsPrefix + id.text + "/cohort" }
    public func rolloutState(_ id: FleetName) -> String { rolloutsPrefix + id.text + "/state" }
    /// The rollout engines' revision clock (not readable by devices).
    public var engineClock: String { root + "engine-clock" }
    public func sitePrefix(_ site: FleetName) -> String { root + "sites/" + site.text + "/" }
    public func siteConfig(_ site: FleetName) -> String { sitePrefix(site) + "config" }
    /// The site's config channel: which config version its devices run (staged rollouts).
    public func siteChannel(_ site: FleetName) -> String { sitePrefix(site) + "channel" }
    public func configsPrefix(_ site: FleetName) -> String { root + "configs/" + site.text + "/" }
    public func siteConfigVersion(_ site: FleetName, _ version: FleetVersion) -> String { configsPrefix(site) + version.text }
    public var devicesPrefix: String { root + "devices/" }
    public func devicePrefix(_ device: FleetName) -> String { devicesPrefix + device.text + "/" }
    public func enrollment(_ device: FleetName) -> String { devicePrefix(device) + "enrollment" }
    public func desired(_ device: FleetName) -> String { devicePrefix(device) + "desired" }
    public func desiredConfig(_ device: FleetName) -> String { devicePrefix(device) + "desired-config" }
    public func registryLogins(_ device: FleetName) -> String { devicePrefix(device) + "registry-logins" }
    public func status(_ device: FleetName) -> String { devicePrefix(device) + "status" }
    public func presence(_ device: FleetName) -> String { devicePrefix(device) + "presence" }

    /// The device named by a key under `devices/`, and the record's name after it.
    public func deviceKey(_ key: String) -> (device: FleetName, record: String)? {
        guard key.hasPrefix(devicesPrefix) else { return nil }
        let rest = key.dropFirst(devicesPrefix.count).split(separator: "/", omittingEmptySubsequences: false)
        guard rest.count == 2, let device = FleetName(String(rest[0])) else { return nil }
        return (device, String(rest[1]))
    }

    /// What a device's own store user may do: read the shared keys and its own, write its
    /// status and presence. Every range is a whole-key or a prefix ending in '/', so device
    /// `a` is never granted anything of device `a1`.
    public func devicePermissions(device: FleetName, site: FleetName) -> [FleetPermission] {
        [
            FleetPermission(prefix: releasesPrefix, access: .read),
            FleetPermission(prefix: channelsPrefix, access: .read),
            FleetPermission(prefix: rolloutsPrefix, access: .read),
            FleetPermission(key: layoutKey, access: .read),
            FleetPermission(prefix: sitePrefix(site), access: .read),
            FleetPermission(prefix: configsPrefix(site), access: .read),
            FleetPermission(prefix: devicePrefix(device), access: .read),
            FleetPermission(key: status(device), access: .readWrite),
            FleetPermission(key: presence(device), access: .readWrite),
        ]
    }
}

/// One grant of a store role: a key or every key under a prefix.
public struct FleetPermission: Sendable, Equatable {
    public enum Access: String, Sendable { case read = "READ", readWrite = "READWRITE" }
    public var key: String
    /// Nil for one key; for a prefix, the key just past the last key that starts with it.
    public var rangeEnd: String?
    public var access: Access

    public init(key: String, access: Access) {
        self.key = key
        self.rangeEnd = nil
        self.access = access
    }

    public init(prefix: String, access: Access) {
        self.key = prefix
        self.rangeEnd = FleetPermission.prefixEnd(prefix)
        self.access = access
    }

    /// etcd's rule for "every key with this prefix": the prefix with its last byte plus one.
    public static func prefixEnd(_ prefix: String) -> String {
        var bytes = Array(prefix.utf8)
        while let last = bytes.popLast() {
            if last < 0xff { bytes.append(last + 1); return String(decoding: bytes, as: UTF8.self) }
        }
        return "\u{0}"
    }
}
