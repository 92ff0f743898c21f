import Basics
import Fleet

/// Ten thousand agents' reads served from one snapshot of the store, refreshed once per
/// simulation tick: each agent's "my keys changed since R" is answered from the snapshot
/// exactly as etcd would answer it at the snapshot's revision, so the agents' state machines
/// run unchanged while the store sees one read per tick instead of ten thousand (what lets a
/// thousand trials run in minutes). Writes go straight to the store. The load run
/// (`LoadRun`) does not use this: there every agent makes its own requests.
public final class SharedReadStore: FleetStore, @unchecked Sendable {
    let store: any FleetStore
    let layout: FleetLayout
    private let lock = Lock()
    private var devices: [String: [String: StoredValue]] = [:]
    private var shared: [String: StoredValue] = [:]
    private var revision: Int64 = 0
    private var stables: [String: FleetVersion] = [:]

    public init(store: any FleetStore, layout: FleetLayout) {
        self.store = store
        self.layout = layout
    }

    /// Reads what changed: the devices' keys since the last refresh (in full when a channel's
    /// stable release moved, as that is when desired states are deleted), the channels and
    /// sites in full (a handful of keys).
    public func refresh() async throws(FleetError) {
        do throws(FleetError) {
            try await reread()
            lock.withLock { unavailable = nil }
        } catch {
            // The agents' reads fail too until a refresh works, as theirs would.
            lock.withLock { unavailable = error }
            throw error
        }
    }

    private var unavailable: FleetError?

    private func check() throws(FleetError) {
        if let error = lock.withLock({ unavailable }) { throw error }
    }

    func reread() async throws(FleetError) {
        let channels = try await store.list(prefix: layout.channelsPrefix, changedSince: nil)
        let sites = try await store.list(prefix: layout.root + "sites/", changedSince: nil)
        var full = revision == 0
        var seen: [String: FleetVersion] = [:]
        for channel in channels.values {
            guard let record = try? FleetRecordCodec.decode(ChannelRecord.self, from: channel.value, key: channel.key) else { continue }
            seen[channel.key] = record.stable
            if stables[channel.key] != record.stable { full = true }
        }
        let since = full ? nil : revision + 1
        let listing = try await store.list(prefix: layout.devicesPrefix, changedSince: since)
        lock.withLock {
            if full { devices = [:] }
            for value in listing.values {
                guard let (device, _) = layout.deviceKey(value.key) else { continue }
                devices[device.text, default: [:]][value.key] = value
            }
            shared = [:]
            for value in channels.values + sites.values { shared[value.key] = value }
            revision = max(listing.revision, channels.revision, sites.revision)
            stables = seen
        }
    }

    public func get(_ key: String) async throws(FleetError) -> StoredValue? {
        try check()
        if let value = lock.withLock({ shared[key] }) { return value }
        if key.hasPrefix(layout.channelsPrefix) { return nil }
        return try await store.get(key)
    }

    public func list(prefix: String, changedSince: Int64?) async throws(FleetError) -> StoreListing {
        try check()
        return lock.withLock {
            let values: [StoredValue]
            if prefix.hasPrefix(layout.devicesPrefix), let (device, _) = layout.deviceKey(prefix + "x") {
                values = Array((devices[device.text] ?? [:]).values)
            } else {
                values = shared.values.filter { $0.key.hasPrefix(prefix) }
            }
            let changed = values.filter { changedSince == nil || $0.modRevision >= changedSince! }.sorted { $0.key < $1.key }
            return StoreListing(values: changed, revision: revision)
        }
    }

    /// Unconditional writes (the agents' status reports) are gathered and sent at the end of the
    /// tick in transactions of 100, as ten thousand agents' separate puts would land; anything
    /// conditional goes at once.
    public func commit(_ conditions: [StoreCondition], _ writes: [StoreWrite]) async throws(FleetError) -> Bool {
        guard conditions.isEmpty else { return try await store.commit(conditions, writes) }
        try check()
        lock.withLock { queued += writes }
        return true
    }

    private var queued: [StoreWrite] = []

    /// Sends the gathered writes; on a failure the rest are dropped, as reports whose puts
    /// failed would be (the next heartbeat repeats them).
    public func flush() async {
        let writes = lock.withLock { defer { queued = [] }; return queued }
        var start = 0
        while start < writes.count {
            let batch = Array(writes[start..<min(start + 100, writes.count)])
            guard (try? await store.commit([], batch)) == true else { return }
            start += 100
        }
    }
}
