import Basics
import Fleet
import Logging

/// Runs rollouts over the fleet store: starts one (the plan, its cohort order, its state and
/// the channel's candidate in one transaction), steps it by the rules, pauses, resumes or
/// stops it by hand, and writes each device's desired state from the rollout's state.
///
/// Every transition is one compare-and-swap on the rollout's state key: two engines can step
/// the same rollout, and only one of them moves it; the other reads again. The desired states
/// are written after the transition, in batches that each re-check the state key's revision,
/// so an engine that lost a race never writes what an older state wanted; and every step
/// writes them again where they differ, so a crash between the two halves is repaired by the
/// next step of any engine.
public final class RolloutEngine: @unchecked Sendable {
    public let store: any FleetStore
    public let layout: FleetLayout
    let clock: any WallClock
    let logger: Logger
    /// Writes per transaction (etcd allows 128 operations in one by default).
    let batchSize = 100

    /// The devices' records, kept current by reading only what changed since the last read.
    private var devices: [String: StoredValue] = [:]
    private var devicesRevision: Int64?
    /// Bumped whenever a read brings a changed desired state: with the state's revision, what
    /// tells a reconcile that nothing it would compare has changed since the last one.
    private var desiredGeneration = 0
    private var reconciled: [FleetName: (state: Int64, desired: Int)] = [:]
    /// Rollouts' plans and orders, which never change once written.
    private var immutables: [FleetName: (RolloutPlan, RolloutCohort)] = [:]
    /// The engine's marks of its own time against the store's revisions (`RevisionClock`):
    /// read from the store once, noted at every read of the devices, written back now and then.
    private var revisionClock = RevisionClock()
    private var clockLoaded = false
    private var clockWrittenAt: Int64?
    private let lock = Lock()

    /// The most a device's record may be (a status is well under a kilobyte): larger ones are
    /// not kept, and count as bad records.
    public static let deviceRecordBytes = 64 << 10
    /// How often the revision clock is written back to the store (seconds).
    let clockWriteInterval: Int64 = 30

    public init(store: any FleetStore, layout: FleetLayout = FleetLayout(), clock: any WallClock, logger: Logger = Logger(label: "edge.rollout")) {
        self.store = store
        self.layout = layout
        self.clock = clock
        self.logger = logger
    }

    var now: Int64 { Int64(clock.now().timeIntervalSince1970.rounded(.down)) }

    // MARK: records

    func read<Record: Decodable>(_ type: Record.Type, _ key: String, what: String) async throws(FleetError) -> (Record, Int64) {
        guard let stored = try await store.get(key) else { throw .missing(key: key, what: what) }
        return (try FleetRecordCodec.decode(type, from: stored), stored.modRevision)
    }

    /// Publishes a release: created once; publishing the same entry again changes nothing,
    /// publishing other content under the same version is refused. A release must say where a
    /// box fetches it (`BundleLocation`: https or a path; plain http only when allowed); a
    /// release published before that was required, without a location, may be given one by
    /// publishing the same bundle again with it (the only change a release record takes).
    public func publish(_ entry: ReleaseEntry, allowPlainHTTP: Bool = false) async throws(FleetError) {
        guard let location = entry.bundle else {
            throw .invalidInput("release \(entry.version) names no bundle location: give --url (https, or a path on a shared mount), or no box can fetch it")
        }
        _ = try BundleLocation.parse(location, version: entry.version, allowPlainHTTP: allowPlainHTTP)
        let key = layout.release(entry.version.text)
        let bytes = FleetRecordCodec.encode(entry)
        if try await store.commit([.absent(key)], [.put(key, bytes)]) { return }
        guard let stored = try await store.get(key) else { throw .conflict(key: key, detail: "deleted while it was being published; try again") }
        let existing = try FleetRecordCodec.decode(ReleaseEntry.self, from: stored)
        guard existing.bundleSHA256 == entry.bundleSHA256, existing.signature == entry.signature else {
            throw .conflict(key: key, detail: "release \(entry.version) is already published with other content; releases are immutable: publish a new version")
        }
        if existing.bundle == entry.bundle { return }
        guard existing.bundle == nil else {
            throw .conflict(key: key, detail: "release \(entry.version) is already published at another location; releases are immutable: publish a new version")
        }
        // The mend: the same bundle, now with the location it lacked.
        var mended = existing
        mended.bundle = entry.bundle
        guard try await store.commit([.unchanged(key, modRevision: stored.modRevision)], [.put(key, FleetRecordCodec.encode(mended))]) else {
            throw .conflict(key: key, detail: "changed while its location was being added; try again")
        }
        logger.notice("release given its bundle location", metadata: ["release": "\(entry.version)"])
    }

    /// Creates a channel at `stable`, or (with `expectedRevision`) moves it by hand when no
    /// rollout is running on it.
    public func setChannel(_ name: FleetName, stable: FleetVersion) async throws(FleetError) {
        try await requirePublished(stable)
        try await moveChannel(layout.channel(name), name: "channel \(name)", to: stable)
    }

    /// Publishes a site configuration version (a site spec, provision's format; the caller
    /// validates it): created once, like a release.
    public func publishConfig(site: FleetName, version: FleetVersion, _ bytes: [UInt8]) async throws(FleetError) {
        let key = layout.siteConfigVersion(site, version)
        if try await store.commit([.absent(key)], [.put(key, bytes)]) { return }
        guard let existing = try await store.get(key), existing.value == bytes else {
            throw .conflict(key: key, detail: "config \(version) of site \(site) is already published with other content; config versions are immutable: publish a new version")
        }
    }

    /// Points a site's config channel at a published config version by hand (no rollout
    /// running on it); its devices apply it at their next poll.
    public func setSiteConfig(site: FleetName, version: FleetVersion) async throws(FleetError) {
        try await requireConfig(site: site, version)
        try await moveChannel(layout.siteChannel(site), name: "the config channel of site \(site)", to: version)
    }

    func moveChannel(_ key: String, name: String, to stable: FleetVersion) async throws(FleetError) {
        if let stored = try await store.get(key) {
            let channel = try FleetRecordCodec.decode(ChannelRecord.self, from: stored)
            if let rollout = channel.rollout {
                throw .refused("\(name) is in rollout \(rollout) (to \(channel.candidate?.text ?? "?")); pause or stop it first")
            }
            let next = ChannelRecord(stable: stable, lastAbort: channel.lastAbort)
            guard try await store.commit([.unchanged(key, modRevision: stored.modRevision)], [.put(key, FleetRecordCodec.encode(next))]) else {
                throw .conflict(key: key, detail: "changed while it was being set; try again")
            }
        } else {
            guard try await store.commit([.absent(key)], [.put(key, FleetRecordCodec.encode(ChannelRecord(stable: stable)))]) else {
                throw .conflict(key: key, detail: "created by someone else meanwhile; try again")
            }
        }
    }

    /// Adds or replaces a device's login to one registry (its record is readable by that
    /// device alone).
    public func setRegistryLogin(_ device: FleetName, _ login: RegistryLogins.Login) async throws(FleetError) {
        let key = layout.registryLogins(device)
        let current = try await store.get(key)
        var record = try current.map { stored throws(FleetError) in try FleetRecordCodec.decode(RegistryLogins.self, from: stored) } ?? RegistryLogins(logins: [])
        record.logins.removeAll { $0.registry == login.registry }
        record.logins.append(login)
        record.logins.sort { $0.registry < $1.registry }
        if let problem = record.problem { throw .invalidInput("the registry login is not valid: \(problem)") }
        try await replace(key, read: current, with: FleetRecordCodec.encode(record))
    }

    public func enroll(_ device: FleetName, _ enrollment: DeviceEnrollment) async throws(FleetError) {
        let key = layout.enrollment(device)
        try await replace(key, read: try await store.get(key), with: FleetRecordCodec.encode(enrollment))
    }

    /// Writes `key` only if it is still as it was read (absent, or at its revision).
    func replace(_ key: String, read current: StoredValue?, with bytes: [UInt8]) async throws(FleetError) {
        let condition: StoreCondition = current.map { .unchanged(key, modRevision: $0.modRevision) } ?? .absent(key)
        guard try await store.commit([condition], [.put(key, bytes)]) else {
            throw .conflict(key: key, detail: "changed while it was being written; try again")
        }
    }

    func requireConfig(site: FleetName, _ version: FleetVersion) async throws(FleetError) {
        guard try await store.get(layout.siteConfigVersion(site, version)) != nil else {
            throw .refused("config \(version) of site \(site) is not published (imagesmith fleet config publish)")
        }
    }

    /// The release must be published, and fetchable: a channel never moves (by hand or by a
    /// rollout) to a release a box could not fetch.
    func requirePublished(_ version: FleetVersion) async throws(FleetError) {
        let key = layout.release(version.text)
        guard let stored = try await store.get(key) else {
            throw .refused("release \(version) is not published (imagesmith fleet publish)")
        }
        let entry = try FleetRecordCodec.decode(ReleaseEntry.self, from: stored)
        guard let location = entry.bundle else {
            throw .refused("release \(version) names no bundle location, so no box could fetch it: publish the same bundle again with --url to add one")
        }
        do throws(FleetError) {
            _ = try BundleLocation.parse(location, version: version, allowPlainHTTP: true)
        } catch {
            throw .refused("release \(version) cannot be fetched: \(error)")
        }
    }

    // MARK: devices

    /// The devices' records, read incrementally; a value larger than any device record is not
    /// kept (its key and revision are: it is a bad record), and no registry login is kept (the
    /// engine has no use for a device's secrets). Each read notes a mark on the revision clock:
    /// the store was at least at the listing's revision when this read began.
    func refreshDevices() async throws(FleetError) -> [String: StoredValue] {
        let since = lock.withLock { devicesRevision.map { $0 + 1 } }
        let began = now
        let listing = try await store.list(prefix: layout.devicesPrefix, changedSince: since, maximumValueBytes: Self.deviceRecordBytes)
        return lock.withLock {
            if since == nil { devices = [:] }
            for value in listing.values where !value.key.hasSuffix("/registry-logins") { devices[value.key] = value }
            if since == nil || listing.values.contains(where: { $0.key.hasSuffix("/desired") || $0.key.hasSuffix("/desired-config") }) { desiredGeneration += 1 }
            devicesRevision = max(devicesRevision ?? 0, listing.revision)
            revisionClock.note(.init(revision: listing.revision, at: began))
            return devices
        }
    }

    /// The revision clock, merged with what other engines (and earlier runs) kept in the store.
    func currentClock() async -> RevisionClock {
        if !lock.withLock({ clockLoaded }) {
            do throws(FleetError) {
                if let stored = try await store.get(layout.engineClock) {
                    let kept = try FleetRecordCodec.decode(RevisionClock.self, from: stored)
                    let at = now
                    lock.withLock { revisionClock.merge(kept.marks, now: at) }
                }
                lock.withLock { clockLoaded = true }
            } catch {
                // Without the kept marks, reports only look older: nothing is promoted on them.
                logger.warning("the engine clock in the store cannot be read; starting a new one", metadata: ["error": "\(error)"])
                lock.withLock { clockLoaded = true }
            }
        }
        return lock.withLock { revisionClock }
    }

    /// Writes the revision clock back when it is due (a put only rollout engines make).
    func keepClock() async {
        let at = now
        let clock: RevisionClock? = lock.withLock {
            guard clockLoaded, clockWrittenAt.map({ at - $0 >= clockWriteInterval }) ?? true else { return nil }
            return revisionClock
        }
        guard let clock else { return }
        do throws(FleetError) {
            _ = try await store.commit([], [.put(layout.engineClock, FleetRecordCodec.encode(clock))])
            lock.withLock { clockWrittenAt = at }
        } catch {
            logger.warning("the engine clock could not be written", metadata: ["error": "\(error)"])
        }
    }

    /// Whether the desired states were already brought in line with this state revision, and
    /// none has changed since.
    func isReconciled(_ id: FleetName, state: Int64) -> Bool {
        lock.withLock { reconciled[id].map { $0.state == state && $0.desired == desiredGeneration } ?? false }
    }

    func markReconciled(_ id: FleetName, state: Int64) { lock.withLock { reconciled[id] = (state, desiredGeneration) } }

    func immutable(_ id: FleetName) -> (RolloutPlan, RolloutCohort)? { lock.withLock { immutables[id] } }
    func remember(_ id: FleetName, _ plan: RolloutPlan, _ cohort: RolloutCohort) { lock.withLock { immutables[id] = (plan, cohort) } }

    /// Forgets what was read (deleted keys do not show up in a changed-since read: a caller
    /// that deletes rereads in full).
    func forgetDevices() { lock.withLock { devices = [:]; devicesRevision = nil } }

    /// The devices a plan moves: those on its channel, or for a config plan those at its site.
    func enrolled(for plan: RolloutPlan, records: [String: StoredValue]) -> [FleetName] {
        records.compactMap { key, stored -> FleetName? in
            guard let (device, record) = layout.deviceKey(key), record == "enrollment",
                  let enrollment = try? FleetRecordCodec.decode(DeviceEnrollment.self, from: stored),
                  (plan.kind == .release ? enrollment.channel : enrollment.site) == plan.channel else { return nil }
            return device
        }
    }

    /// What the store says of each device of `cohort` for `plan`: its report (at most
    /// `deviceRecordBytes`, read strictly; one that cannot be read is a named bad record), the
    /// revision it was written at, and the revision of the desired state that targeted it.
    func observations(for cohort: [FleetName], plan: RolloutPlan, records: [String: StoredValue]) -> [FleetName: DeviceObservation] {
        var observations: [FleetName: DeviceObservation] = [:]
        for device in cohort {
            var target: Int64?
            let desiredKey = plan.desiredKey(layout, device)
            if let stored = records[desiredKey],
               let desired = try? FleetRecordCodec.decode(DeviceDesired.self, from: stored, maximumBytes: Self.deviceRecordBytes),
               desired.rollout == plan.id, desired.release == plan.to, !desired.pinned {
                target = stored.modRevision
            }
            let key = layout.status(device)
            guard let stored = records[key] else {
                observations[device] = DeviceObservation(report: nil, reportRevision: 0, targetRevision: target)
                continue
            }
            do throws(FleetError) {
                let report = try FleetRecordCodec.decode(DeviceReport.self, from: stored, maximumBytes: Self.deviceRecordBytes)
                observations[device] = DeviceObservation(report: report, reportRevision: stored.modRevision, targetRevision: target)
            } catch {
                observations[device] = DeviceObservation(report: nil, reportRevision: stored.modRevision, targetRevision: target, problem: error.description)
            }
        }
        return observations
    }
}
