import Basics
/// A health check a release carries: what the definition declares, what `health-checks.json`
/// holds and what `rollback check` runs. One model for the writer and the reader.
public struct HealthCheck: Sendable, Equatable {
    public enum Probe: Sendable, Equatable {
        /// A plain-HTTP GET of a local endpoint must answer with `expectStatus`.
        case http(url: String, expectStatus: Int)
        /// A TCP connection to `host:port` must be accepted.
        case tcp(host: String, port: Int)
        case containerRunning
        /// A program run on the box itself (it must be installed on the host).
        case command([String])
        /// A program run inside the service's own running container (`docker exec`): what a
        /// readiness check such as `pg_isready` needs, whose program lives in the image, not
        /// on the host, and whose service need not publish its port.
        case exec([String])
    }
    public var name: String
    public var service: String
    public var probe: Probe
    public var intervalSeconds: Int
    public var timeoutSeconds: Int
    public var retries: Int

    public init(name: String, service: String, probe: Probe, intervalSeconds: Int, timeoutSeconds: Int, retries: Int) {
        self.name = name
        self.service = service
        self.probe = probe
        self.intervalSeconds = intervalSeconds
        self.timeoutSeconds = timeoutSeconds
        self.retries = retries
    }

    /// The one reading of a health-check URL, for the build (which refuses what the box
    /// cannot probe) and for the box (which probes it): `http://host[:port][/path]`, an
    /// IPv6 host in brackets, no credentials, no TLS. nil for anything else.
    public static func httpTarget(_ url: String) -> (host: String, port: Int, path: String)? {
        guard url.hasPrefix("http://") else { return nil }
        let rest = url.dropFirst(7)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        let path = slash == rest.endIndex ? "/" : String(rest[slash...])
        guard !authority.isEmpty, !authority.contains("@"), !url.contains(where: { $0 == " " || $0.isNewline }) else { return nil }
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            let host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.isEmpty { return (host, 80, path) }
            guard after.hasPrefix(":"), let port = Int(asciiDecimal: after.dropFirst()), (1...65535).contains(port) else { return nil }
            return (host, port, path)
        }
        let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, !parts[0].isEmpty else { return nil }
        if parts.count == 1 { return (String(parts[0]), 80, path) }
        guard let port = Int(asciiDecimal: parts[1]), (1...65535).contains(port) else { return nil }
        return (String(parts[0]), port, path)
    }
}
