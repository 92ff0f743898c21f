/// A device's presence key, on its lease: it exists while the device polls (etcd).
public struct DevicePresence: Sendable, Equatable, Codable {
    /// When this run of presence began (the lease was taken).
    public var since: Int64

    public init(since: Int64) { self.since = since }
}
