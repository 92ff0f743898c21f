import Basics
import Fleet
import Logging

/// The agent on one box: each tick reads what changed in the store for it (its own keys, its
/// channel, its site's configuration), runs what its desired state or channel says inside its
/// update policy, applies a new site configuration, and reports back. It keeps no lock on
/// anything: if the store is away, the box keeps running what it runs and the agent backs off
/// (exponentially, with full jitter) and catches up when the store returns.
///
/// Reading only what changed: its own prefix and its site's are read with "changed since my
/// last revision"; its channel is one small key. Deletions do not show up in such a read, and
/// the only deletion in its prefix (the desired state, when a rollout completes) comes with a
/// change of the channel: when the channel moves, the agent rereads its own prefix in full.
public final class DeviceAgent: @unchecked Sendable {
    public let device: FleetName
    let layout: FleetLayout
    let store: any FleetStore
    let box: any BoxControl
    let clock: any WallClock
    let schedule: PollSchedule
    let logger: Logger
    /// A report is written at least this often (seconds), even with nothing new to say.
    let heartbeat: Int64
    private var random: SplitMix64

    // What it has read.
    private var own: [String: StoredValue] = [:]
    private var ownRevision: Int64?
    private var channelRevision: Int64?
    private var channel: ChannelRecord?
    private var siteRevision: Int64?
    private var appliedConfigRevision: Int64?
    /// Staged site configuration: the site's config channel, the version applied, the last
    /// version refused (not tried again until the target changes), versions read (immutable).
    private var siteChannel: ChannelRecord?
    public private(set) var appliedConfig: FleetVersion?
    private var configFailure: DeviceReport.ConfigFailure?
    private var configVersions: [FleetVersion: [UInt8]] = [:]
    /// The revision of the registry logins last handed to the box (0: none).
    private var loginsRevision: Int64?
    private var releases: [FleetVersion: ReleaseEntry] = [:]
    /// The lease the device's presence key is on (etcd), renewed every poll.
    public private(set) var presenceLease: Int64?
    // What it did.
    private var failures = 0
    /// The last status it wrote.
    public private(set) var lastReport: DeviceReport?
    /// A release this box went back from (or refused): not tried again until the target changes.
    private var gaveUp: (release: FleetVersion, reason: String)?
    public private(set) var lastError: FleetError?

    public init(device: FleetName, layout: FleetLayout = FleetLayout(), store: any FleetStore, box: any BoxControl, clock: any WallClock,
                schedule: PollSchedule = PollSchedule(), heartbeat: Int64 = 300, seed: UInt64, logger: Logger = Logger(label: "edge.agent")) {
        self.device = device
        self.layout = layout
        self.store = store
        self.box = box
        self.clock = clock
        self.schedule = schedule
        self.heartbeat = heartbeat
        self.random = SplitMix64(seed: seed)
        self.logger = logger
    }

    var now: Int64 { Int64(clock.now().timeIntervalSince1970.rounded(.down)) }

    /// One poll; returns the seconds to wait before the next.
    @discardableResult
    public func tick() async -> Double {
        do throws(FleetError) {
            try await poll()
            failures = 0
            lastError = nil
        } catch {
            failures += 1
            lastError = error
            logger.warning("fleet store poll failed", metadata: ["device": "\(device)", "failures": "\(failures)", "error": "\(error)"])
        }
        return schedule.delay(afterFailures: failures, unit: random.unit())
    }

    /// How long presence outlives the last poll: three polls, so one lost poll is not absence.
    var presenceSeconds: Int64 { max(3, Int64((3 * schedule.interval).rounded(.up))) }

    func poll() async throws(FleetError) {
        if let presence = store as? any FleetPresence {
            presenceLease = try await presence.announce(layout.presence(device), FleetRecordCodec.encode(DevicePresence(since: now)),
                                                        ttl: presenceSeconds, lease: presenceLease)
        }
        let channelMoved = try await readChannelIfEnrolled()
        try await readOwn(full: channelMoved)
        guard let enrollment = try decoded(DeviceEnrollment.self, layout.enrollment(device)) else {
            try await report(waiting: "not enrolled")
            return
        }
        if enrollment.channel != currentChannelName {
            currentChannelName = enrollment.channel
            channelRevision = nil
            _ = try await readChannelIfEnrolled()
        }
        try await applySiteConfig(site: enrollment.site)
        let loginsRevision = own[layout.registryLogins(device)]?.modRevision ?? 0
        if loginsRevision != self.loginsRevision {
            await box.useRegistryLogins(try decoded(RegistryLogins.self, layout.registryLogins(device)))
            self.loginsRevision = loginsRevision
        }
        guard let channel else {
            try await report(waiting: "channel \(enrollment.channel) does not exist")
            return
        }
        let desired = try decoded(DeviceDesired.self, layout.desired(device))
        let target = desired?.release ?? channel.stable
        var waiting: String?
        var snapshot = await box.snapshot()
        if snapshot.release != target {
            if let gaveUp, gaveUp.release == target {
                waiting = "not taking \(target) again: \(gaveUp.reason)"
            } else if desired?.pinned == true || enrollment.policy.allows(at: now, rules: box.zoneRules) == true {
                // Going back to a pinned release is a safety action: it ignores the window.
                let entry = try await release(target)
                let outcome = await box.update(to: entry)
                snapshot = await box.snapshot()
                switch outcome {
                case .running:
                    gaveUp = nil
                case .rolledBack(let reason):
                    gaveUp = (target, "went back from it: \(reason)")
                case .refused(let reason):
                    gaveUp = (target, "refused: \(reason)")
                    waiting = "refused \(target): \(reason)"
                case .later(let reason):
                    waiting = "\(target) not yet: \(reason)"
                }
            } else if case .window(_, _, .named(let zone)) = enrollment.policy, box.zoneRules(zone) == nil {
                waiting = "\(target) waits: the update window's time zone \(zone) is not in this box's zoneinfo"
            } else {
                waiting = enrollment.policy == .manual ? "\(target) waits for a technician (manual updates)" : "\(target) waits for the update window"
            }
        } else if gaveUp?.release != target {
            gaveUp = nil
        }
        try await report(waiting: waiting, snapshot: snapshot)
    }

    private var currentChannelName: FleetName?

    /// Reads the channel (one small key); true when it changed since the last read.
    func readChannelIfEnrolled() async throws(FleetError) -> Bool {
        guard let name = currentChannelName else { return false }
        let key = layout.channel(name)
        guard let stored = try await store.get(key) else {
            let changed = channel != nil
            channel = nil
            channelRevision = nil
            return changed
        }
        guard stored.modRevision != channelRevision else { return false }
        channel = try FleetRecordCodec.decode(ChannelRecord.self, from: stored)
        channelRevision = stored.modRevision
        return true
    }

    func readOwn(full: Bool) async throws(FleetError) {
        let since = full ? nil : ownRevision.map { $0 + 1 }
        let listing = try await store.list(prefix: layout.devicePrefix(device), changedSince: since)
        if since == nil { own = [:] }
        for value in listing.values { own[value.key] = value }
        ownRevision = listing.revision
    }

    /// Each own record decoded once per revision (an agent polls far more often than its
    /// records change).
    private var decodedOwn: [String: (revision: Int64, record: any Sendable)] = [:]

    func decoded<Record: Decodable & Sendable>(_ type: Record.Type, _ key: String) throws(FleetError) -> Record? {
        guard let stored = own[key] else { return nil }
        if let cached = decodedOwn[key], cached.revision == stored.modRevision, let record = cached.record as? Record { return record }
        let record = try FleetRecordCodec.decode(type, from: stored)
        decodedOwn[key] = (stored.modRevision, record)
        return record
    }

    func release(_ version: FleetVersion) async throws(FleetError) -> ReleaseEntry {
        if let entry = releases[version] { return entry }
        let key = layout.release(version.text)
        guard let stored = try await store.get(key) else { throw .missing(key: key, what: "release \(version)") }
        let entry = try FleetRecordCodec.decode(ReleaseEntry.self, from: stored)
        guard entry.version == version else { throw .malformed(key: key, detail: "/version: says \(entry.version), the key says \(version)") }
        releases[version] = entry
        return entry
    }

    /// The site's configuration: the version its config channel (or this device's staged
    /// desired config) names, through provision; else the plain `config` key, once per change.
    func applySiteConfig(site: FleetName) async throws(FleetError) {
        let listing = try await store.list(prefix: layout.sitePrefix(site), changedSince: siteRevision.map { $0 + 1 })
        siteRevision = listing.revision
        if let stored = listing.values.first(where: { $0.key == layout.siteChannel(site) }) {
            let next = try FleetRecordCodec.decode(ChannelRecord.self, from: stored)
            // A config rollout that ends deletes desired-config keys, which a "changed since"
            // read does not show: reread this device's keys when the config channel moves.
            if next != siteChannel, siteChannel != nil { try await readOwn(full: true) }
            siteChannel = next
        }
        if let target = try decoded(DeviceDesired.self, layout.desiredConfig(device))?.release ?? siteChannel?.stable {
            guard target != appliedConfig, configFailure?.version != target else { return }
            let bytes = try await configVersion(site: site, target)
            switch await box.applySiteConfig(bytes) {
            case .applied(let restarted):
                appliedConfig = target
                configFailure = nil
                logger.info("site configuration applied", metadata: ["device": "\(device)", "config": "\(target)", "restarted": "\(restarted.joined(separator: ","))"])
            case .refused(let reason):
                configFailure = DeviceReport.ConfigFailure(version: target, reason: reason, at: now)
                logger.warning("site configuration refused", metadata: ["device": "\(device)", "config": "\(target)", "reason": "\(reason)"])
            }
            return
        }
        guard let config = listing.values.first(where: { $0.key == layout.siteConfig(site) }), config.modRevision != appliedConfigRevision else { return }
        switch await box.applySiteConfig(config.value) {
        case .applied(let restarted):
            logger.info("site configuration applied", metadata: ["device": "\(device)", "restarted": "\(restarted.joined(separator: ","))"])
        case .refused(let reason):
            logger.warning("site configuration refused", metadata: ["device": "\(device)", "reason": "\(reason)"])
        }
        // Refused or applied, this revision has had its answer; the next change is tried anew.
        appliedConfigRevision = config.modRevision
    }

    func configVersion(site: FleetName, _ version: FleetVersion) async throws(FleetError) -> [UInt8] {
        if let known = configVersions[version] { return known }
        let key = layout.siteConfigVersion(site, version)
        guard let stored = try await store.get(key) else { throw .missing(key: key, what: "config \(version) of site \(site)") }
        configVersions[version] = stored.value
        return stored.value
    }

    /// Writes the device's status when it says something new, or the heartbeat is due.
    func report(waiting: String?, snapshot given: BoxSnapshot? = nil) async throws(FleetError) {
        let snapshot: BoxSnapshot
        if let given { snapshot = given } else { snapshot = await box.snapshot() }
        let report = DeviceReport(release: snapshot.release, slot: snapshot.slot, health: snapshot.health, reportedAt: now,
                                  lastRollback: snapshot.lastRollback, waiting: waiting, config: appliedConfig, configFailure: configFailure)
        if var unchanged = lastReport, report.reportedAt - unchanged.reportedAt < heartbeat {
            // Nothing new but the time: not written until the heartbeat is due.
            unchanged.reportedAt = report.reportedAt
            if unchanged == report { return }
        }
        guard try await store.commit([], [.put(layout.status(device), FleetRecordCodec.encode(report))]) else {
            throw .conflict(key: layout.status(device), detail: "an unconditional write was refused")
        }
        lastReport = report
    }

    /// Starts following a channel before the first poll has read the enrollment.
    public func follow(_ channel: FleetName) { currentChannelName = channel }
}
