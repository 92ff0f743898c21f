/// The seam between the fleet's rules and the distributed store that keeps its records: the
/// operations etcd offers and an S3 bucket can mirror, nothing home-made. Every write that
/// moves shared state is conditional: it says which revisions it read, and the store refuses
/// it if any changed since (compare-and-swap).
public protocol FleetStore: Sendable {
    /// One key, or nil when it does not exist.
    func get(_ key: String) async throws(FleetError) -> StoredValue?
    /// Every key under `prefix` whose last change is at `changedSince` or later (nil: all),
    /// with the store's revision at the time of the read.
    func list(prefix: String, changedSince: Int64?) async throws(FleetError) -> StoreListing
    /// All `writes` at once if every condition holds, none otherwise (returns false).
    func commit(_ conditions: [StoreCondition], _ writes: [StoreWrite]) async throws(FleetError) -> Bool
    /// `list`, with every value larger than `maximumValueBytes` withheld (`withheldBytes`): what
    /// one record can cost the reader is bounded. A store that can avoid reading such values
    /// (etcd: keys first, values in small batches) does; the default reads and drops them.
    func list(prefix: String, changedSince: Int64?, maximumValueBytes: Int) async throws(FleetError) -> StoreListing
}

extension FleetStore {
    public func list(prefix: String, changedSince: Int64?, maximumValueBytes: Int) async throws(FleetError) -> StoreListing {
        var listing = try await list(prefix: prefix, changedSince: changedSince)
        listing.values = listing.values.map { $0.withheld(above: maximumValueBytes) }
        return listing
    }
}

public struct StoredValue: Sendable, Equatable {
    public var key: String
    public var value: [UInt8]
    /// The store revision of the key's last change (an ETag's stand-in on S3).
    public var modRevision: Int64
    /// Set when the store's client withheld the value because it is larger than any record
    /// (`value` is then empty): at least this many bytes. Reading it costs nothing more, and
    /// decoding it is an error that names the key.
    public var withheldBytes: Int?

    public init(key: String, value: [UInt8], modRevision: Int64, withheldBytes: Int? = nil) {
        self.key = key
        self.value = value
        self.modRevision = modRevision
        self.withheldBytes = withheldBytes
    }
}

extension StoredValue {
    /// This value, or its key and revision alone when it is larger than `maximum` bytes.
    public func withheld(above maximum: Int) -> StoredValue {
        guard value.count > maximum else { return self }
        return StoredValue(key: key, value: [], modRevision: modRevision, withheldBytes: value.count)
    }
}

public struct StoreListing: Sendable, Equatable {
    public var values: [StoredValue]
    /// The store's revision when this was read: the next read asks for what changed after it.
    public var revision: Int64

    public init(values: [StoredValue], revision: Int64) {
        self.values = values
        self.revision = revision
    }
}

public enum StoreCondition: Sendable, Equatable {
    /// The key does not exist.
    case absent(String)
    /// The key exists and was last changed at this revision.
    case unchanged(String, modRevision: Int64)
}

public enum StoreWrite: Sendable, Equatable {
    case put(String, [UInt8])
    case delete(String)

    public var key: String {
        switch self {
        case .put(let key, _), .delete(let key): key
        }
    }
}
