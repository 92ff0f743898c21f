/// A store that can keep a key alive only while its writer renews it (etcd's leases): a
/// device's presence. S3 has no such thing; there a device's presence is its status's
/// `reported_at` heartbeat.
public protocol FleetPresence: FleetStore {
    /// Keeps `key` alive for `ttl` seconds more: renews `lease` if it still holds, otherwise
    /// takes a new lease and writes `value` on it. Returns the lease that holds the key.
    func announce(_ key: String, _ value: [UInt8], ttl: Int64, lease: Int64?) async throws(FleetError) -> Int64
}
