import Basics

/// A zoneinfo database on disk (a box's /usr/share/zoneinfo, under its root): a zone's rules by
/// IANA name, each file read once (a regular file, size-capped, never through a name that
/// leaves the directory) and parsed as hostile input; nil when the box lacks the zone or its
/// file is not a zone file.
public final class ZoneInfoDirectory: @unchecked Sendable {
    public let path: String
    private let lock = Lock()
    private var cache: [String: ZoneRules?] = [:]

    public init(path: String = "/usr/share/zoneinfo") { self.path = path }

    public func rules(_ name: String) -> ZoneRules? {
        guard ZoneRules.isZoneName(name) else { return nil }
        if let known = lock.withLock({ cache[name] }) { return known }
        var found: ZoneRules?
        if case .bytes(let bytes) = BoundedFile.read(path + "/" + name, limit: ZoneRules.maximumBytes) {
            found = try? ZoneRules.parse(bytes)
        }
        lock.withLock { cache[name] = found }
        return found
    }
}

