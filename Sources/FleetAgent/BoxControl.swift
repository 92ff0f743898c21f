import Basics
import Fleet

/// What the agent asks of the box: what runs, take a release (through `rollback install` and
/// `activate`, which verify its signature and health and go back by themselves), apply a site
/// configuration (through `provision`'s validation and apply). On a box these are the box
/// tools; in the simulation, a model of a box with its faults.
public protocol BoxControl: Sendable {
    func snapshot() async -> BoxSnapshot
    func update(to release: ReleaseEntry) async -> UpdateOutcome
    /// Validates and applies a site configuration; the services it restarted, or why not.
    func applySiteConfig(_ bytes: [UInt8]) async -> SiteConfigOutcome
    /// The device's own registry logins (nil: none), for pulling a release's images.
    func useRegistryLogins(_ logins: RegistryLogins?) async
    /// The rules of an IANA time zone as the box has them (its zoneinfo), for an update
    /// window in local time; nil when the box does not have the zone.
    func zoneRules(_ name: String) -> ZoneRules?
}

public struct BoxSnapshot: Sendable, Equatable {
    public var release: FleetVersion
    public var slot: String
    public var health: DeviceReport.Health
    public var lastRollback: DeviceReport.RollbackNote?

    public init(release: FleetVersion, slot: String, health: DeviceReport.Health, lastRollback: DeviceReport.RollbackNote? = nil) {
        self.release = release
        self.slot = slot
        self.health = health
        self.lastRollback = lastRollback
    }
}

public enum UpdateOutcome: Sendable, Equatable {
    /// The release runs, healthy, committed.
    case running
    /// Its health checks failed and the box went back by itself.
    case rolledBack(reason: String)
    /// The box would not take it (signature, counter, files that do not match).
    case refused(reason: String)
    /// Not now: try again at the next poll (the bundle could not be fetched, another rollback
    /// is running, a reboot into the release's slot is pending).
    case later(reason: String)
}

public enum SiteConfigOutcome: Sendable, Equatable {
    case applied(restarted: [String])
    case refused(reason: String)
}
