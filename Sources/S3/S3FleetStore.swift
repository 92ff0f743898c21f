import Basics
import Fleet

/// The fleet's records in an S3 bucket, one object per key of the layout (the key without its
/// leading '/'), behind the same seam as etcd. S3 has no store revision, so this client
/// stands one in: each time it sees an object at an ETag it has not seen, it numbers that
/// version from its own counter. The numbers mean something only to this client, which is
/// all the seam asks (an agent compares what it read with what it reads next).
///
/// - `get` is a conditional GET (`If-None-Match` the last ETag): an unchanged object is a 304
///   and no body.
/// - `list` is one ListObjectsV2 and a GET of only the objects whose ETag changed.
/// - `commit` with conditions is a conditional PUT or DELETE of one object (`If-Match` the
///   ETag read, or `If-None-Match: *`). S3 has no transaction over several objects, so a
///   commit that needs one (starting or moving a rollout) is refused: rollouts run on etcd.
///   Writes without conditions (a device's status) go one by one.
public final class S3FleetStore: FleetStore, @unchecked Sendable {
    public let client: S3Client
    private let lock = Lock()
    private var seen: [String: Seen] = [:]
    private var counter: Int64 = 0

    struct Seen {
        var etag: String
        var value: [UInt8]
        var revision: Int64
    }

    public init(client: S3Client) { self.client = client }

    static func objectKey(_ key: String) -> String { key.hasPrefix("/") ? String(key.dropFirst()) : key }
    static func storeKey(_ objectKey: String) -> String { "/" + objectKey }

    /// Notes the object at `etag`: its revision, a new one if the ETag is new.
    private func record(_ key: String, etag: String, value: [UInt8]) -> StoredValue {
        lock.withLock {
            if let known = seen[key], known.etag == etag { return StoredValue(key: key, value: known.value, modRevision: known.revision) }
            counter += 1
            seen[key] = Seen(etag: etag, value: value, revision: counter)
            return StoredValue(key: key, value: value, modRevision: counter)
        }
    }

    private func known(_ key: String) -> Seen? { lock.withLock { seen[key] } }
    private func forget(_ key: String) { _ = lock.withLock { seen.removeValue(forKey: key) } }

    public func get(_ key: String) async throws(FleetError) -> StoredValue? {
        let previous = known(key)
        switch try await client.get(Self.objectKey(key), ifNoneMatch: previous?.etag) {
        case .object(let value, let etag):
            return record(key, etag: etag, value: value)
        case .notModified:
            guard let previous else { throw .unavailable("S3 answered 304 to a GET of \(key) that named no ETag") }
            return StoredValue(key: key, value: previous.value, modRevision: previous.revision)
        case .missing:
            forget(key)
            return nil
        }
    }

    public func list(prefix: String, changedSince: Int64?) async throws(FleetError) -> StoreListing {
        let listed = try await client.list(prefix: Self.objectKey(prefix))
        var values: [StoredValue] = []
        var present: Set<String> = []
        for entry in listed {
            let key = Self.storeKey(entry.key)
            present.insert(key)
            if let previous = known(key), previous.etag == entry.etag {
                values.append(StoredValue(key: key, value: previous.value, modRevision: previous.revision))
            } else if let fresh = try await get(key) {
                values.append(fresh)
            } else {
                present.remove(key)
            }
        }
        let revision = lock.withLock {
            for key in seen.keys where key.hasPrefix(prefix) && !present.contains(key) { seen.removeValue(forKey: key) }
            return counter
        }
        let since = changedSince ?? Int64.min
        return StoreListing(values: values.filter { $0.modRevision >= since }, revision: revision)
    }

    public func commit(_ conditions: [StoreCondition], _ writes: [StoreWrite]) async throws(FleetError) -> Bool {
        if conditions.isEmpty {
            for write in writes {
                switch write {
                case .put(let key, let value):
                    guard let etag = try await client.put(Self.objectKey(key), value) else { return false }
                    _ = record(key, etag: etag, value: value)
                case .delete(let key):
                    _ = try await client.delete(Self.objectKey(key))
                    forget(key)
                }
            }
            return true
        }
        guard conditions.count == 1, writes.count == 1, let condition = conditions.first, let write = writes.first, Self.key(of: condition) == write.key else {
            throw .refused("S3 has no transaction over several objects (\(writes.count) writes, \(conditions.count) conditions: "
                + "\(Set(writes.map(\.key) + conditions.map(Self.key(of:))).sorted().joined(separator: ", "))); rollouts need the fleet in etcd")
        }
        switch (condition, write) {
        case (.absent(let key), .put(_, let value)):
            guard let etag = try await client.put(Self.objectKey(key), value, condition: .absent) else { return false }
            _ = record(key, etag: etag, value: value)
            return true
        case (.unchanged(let key, let revision), .put(_, let value)):
            // Only a version this client has read can be named; any other has changed since.
            guard let previous = known(key), previous.revision == revision else { return false }
            guard let etag = try await client.put(Self.objectKey(key), value, condition: .matches(previous.etag)) else { return false }
            _ = record(key, etag: etag, value: value)
            return true
        case (.unchanged(let key, let revision), .delete):
            guard let previous = known(key), previous.revision == revision else { return false }
            guard try await client.delete(Self.objectKey(key), ifMatch: previous.etag) else { return false }
            forget(key)
            return true
        case (.absent(let key), .delete):
            throw .refused("deleting \(key) on condition that it does not exist says nothing")
        }
    }

    static func key(of condition: StoreCondition) -> String {
        switch condition {
        case .absent(let key), .unchanged(let key, _): key
        }
    }
}
