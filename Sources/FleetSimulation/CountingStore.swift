import Basics
import Fleet

/// Counts the requests that reach the store (the simulation's request rate).
public final class CountingStore: FleetStore, @unchecked Sendable {
    let store: any FleetStore
    private let lock = Lock()
    private var count = 0
    /// When set, every request fails as if the store were unreachable (a simulated outage of
    /// the agents' side; the store itself is stopped for a real restart).
    public var down: Bool {
        get { lock.withLock { isDown } }
        set { lock.withLock { isDown = newValue } }
    }
    private var isDown = false

    public init(_ store: any FleetStore) { self.store = store }

    public var requests: Int { lock.withLock { count } }

    func counted() throws(FleetError) {
        let failing = lock.withLock { count += 1; return isDown }
        if failing { throw .unavailable("simulated outage") }
    }

    public func get(_ key: String) async throws(FleetError) -> StoredValue? {
        try counted()
        return try await store.get(key)
    }

    public func list(prefix: String, changedSince: Int64?) async throws(FleetError) -> StoreListing {
        try counted()
        return try await store.list(prefix: prefix, changedSince: changedSince)
    }

    public func commit(_ conditions: [StoreCondition], _ writes: [StoreWrite]) async throws(FleetError) -> Bool {
        try counted()
        return try await store.commit(conditions, writes)
    }
}

/// A `CountingStore` over etcd that also passes the agents' presence through (counted): the
/// load run's agents renew their leases as agents on boxes do.
public final class CountingPresenceStore: FleetPresence, @unchecked Sendable {
    let counting: CountingStore
    let presence: any FleetPresence

    public init(_ counting: CountingStore, presence: any FleetPresence) {
        self.counting = counting
        self.presence = presence
    }

    public func get(_ key: String) async throws(FleetError) -> StoredValue? { try await counting.get(key) }
    public func list(prefix: String, changedSince: Int64?) async throws(FleetError) -> StoreListing {
        try await counting.list(prefix: prefix, changedSince: changedSince)
    }
    public func commit(_ conditions: [StoreCondition], _ writes: [StoreWrite]) async throws(FleetError) -> Bool {
        try await counting.commit(conditions, writes)
    }
    public func announce(_ key: String, _ value: [UInt8], ttl: Int64, lease: Int64?) async throws(FleetError) -> Int64 {
        try counting.counted()
        return try await presence.announce(key, value, ttl: ttl, lease: lease)
    }
}
