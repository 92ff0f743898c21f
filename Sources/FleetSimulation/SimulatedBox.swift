import Basics
import Fleet
import FleetAgent
import Foundation

/// A box as the agent sees it, with the faults a simulation injects. Not a real box: the real
/// one is the box tools, proven in the image lab; this models what they report.
/// - a release in `rollsBackFrom` fails its health checks in the trial window and the box goes
///   back by itself (as `rollback activate` does);
/// - a release in `failsOn` runs but its health stays failing (a crash loop no trial window
///   caught);
/// - `ran` is every release it ever ran, so a simulation can say which boxes ran a bad one.
public final class SimulatedBox: BoxControl, @unchecked Sendable {
    private let lock = NSLock()
    private var release: FleetVersion
    private var slot = "a"
    private var health: DeviceReport.Health = .ok
    private var lastRollback: DeviceReport.RollbackNote?
    private var ran: [FleetVersion]
    private var configCount = 0
    private var appliedConfigs: [String] = []
    private var refusing: Set<String> = []
    private var bad: [FleetVersion: Fault] = [:]
    let clock: any WallClock

    public enum Fault: Sendable, Equatable {
        case rollsBack
        case crashLoop
    }

    public init(release: FleetVersion, clock: any WallClock, rollsBackFrom: Set<FleetVersion> = [], failsOn: Set<FleetVersion> = []) {
        self.release = release
        self.clock = clock
        ran = [release]
        for version in rollsBackFrom { bad[version] = .rollsBack }
        for version in failsOn { bad[version] = .crashLoop }
    }

    /// Makes `version` fail on this box (or not, with nil).
    public func set(_ fault: Fault?, for version: FleetVersion) { lock.withLock { bad[version] = fault } }

    public var running: FleetVersion { lock.withLock { release } }
    public var history: [FleetVersion] { lock.withLock { ran } }
    public var configs: Int { lock.withLock { configCount } }
    /// Every configuration it applied, as text, in order.
    public var configHistory: [String] { lock.withLock { appliedConfigs } }
    /// Makes provision refuse configurations whose text contains `marker` (a bad site spec).
    public func refuseConfigs(containing marker: String) { _ = lock.withLock { refusing.insert(marker) } }
    public var isFailing: Bool { lock.withLock { health == .failing } }

    public func snapshot() async -> BoxSnapshot {
        lock.withLock { BoxSnapshot(release: release, slot: slot, health: health, lastRollback: lastRollback) }
    }

    public func update(to entry: ReleaseEntry) async -> UpdateOutcome {
        let at = Int64(clock.now().timeIntervalSince1970.rounded(.down))
        return lock.withLock {
            let target = entry.version
            ran.append(target)
            if bad[target] == .rollsBack {
                lastRollback = .init(from: target, to: release, reason: "health check 'dashboard' failed in the trial window", at: at)
                ran.append(release)
                return .rolledBack(reason: "health check 'dashboard' failed")
            }
            release = target
            slot = slot == "a" ? "b" : "a"
            health = bad[target] == .crashLoop ? .failing : .ok
            return .running
        }
    }

    private var logins: RegistryLogins?
    /// The registry logins the agent last handed over.
    public var registryLogins: RegistryLogins? { lock.withLock { logins } }
    public func useRegistryLogins(_ logins: RegistryLogins?) async { lock.withLock { self.logins = logins } }

    /// Zones the simulated box has (the test names them; none by default).
    public var zones: [String: ZoneRules] = [:]
    public func zoneRules(_ name: String) -> ZoneRules? { lock.withLock { zones[name] } }

    public func applySiteConfig(_ bytes: [UInt8]) async -> SiteConfigOutcome {
        let text = String(decoding: bytes, as: UTF8.self)
        return lock.withLock {
            if let marker = refusing.first(where: { text.contains($0) }) {
                return .refused(reason: "provision refused the site spec: \(marker)")
            }
            configCount += 1
            appliedConfigs.append(text)
            return .applied(restarted: ["analytics"])
        }
    }
}
