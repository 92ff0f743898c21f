import Foundation

/// `health-checks.json` from a release bundle: what `rollback check` runs.
public struct HealthCheckFile: Sendable, Equatable {
    public struct Check: Sendable, Equatable {
        public enum Probe: Sendable, Equatable {
            case http(host: String, port: Int, path: String, expectStatus: Int)
            case tcp(host: String, port: Int)
            case containerRunning
            case command([String])
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
    }

    public var checks: [Check]

    /// The file as written: one schema for the writer (`imagesmith build`) and the reader.
    public struct Document: Codable, Sendable, Equatable {
        public var schema_version = 1
        public var image: String
        public var version: String
        public var checks: [Entry]

        public init(image: String, version: String, checks: [Entry]) {
            self.image = image
            self.version = version
            self.checks = checks
        }
    }

    public struct Entry: Codable, Sendable, Equatable {
        public var name: String
        public var service: String
        public var kind: String
        public var url: String?
        public var expect_status: Int?
        public var host: String?
        public var port: Int?
        public var command: [String]?
        public var interval_seconds: Int
        public var timeout_seconds: Int
        public var retries: Int

        public init(name: String, service: String, kind: String, intervalSeconds: Int, timeoutSeconds: Int, retries: Int) {
            self.name = name
            self.service = service
            self.kind = kind
            self.interval_seconds = intervalSeconds
            self.timeout_seconds = timeoutSeconds
            self.retries = retries
        }
    }

    public init(checks: [Check]) { self.checks = checks }

    public init(decoding bytes: [UInt8]) throws(ReleaseError) {
        let raw: Document
        do { raw = try JSONDecoder().decode(Document.self, from: Data(bytes)) }
        catch { throw .invalidBundle("health-checks.json is not valid: \(error)") }
        guard raw.schema_version == 1 else { throw .invalidBundle("health-checks.json has schema_version \(raw.schema_version); this rollback reads 1") }
        var checks: [Check] = []
        for (index, check) in raw.checks.enumerated() {
            let pointer = "health-checks.json /checks/\(index)"
            guard (1...3600).contains(check.interval_seconds), (1...3600).contains(check.timeout_seconds), (0...100).contains(check.retries) else {
                throw .invalidBundle("\(pointer): interval_seconds and timeout_seconds must be 1-3600 and retries 0-100")
            }
            let probe: Check.Probe
            switch check.kind {
            case "http":
                guard let url = check.url, let parsed = Self.parseURL(url) else {
                    throw .invalidBundle("\(pointer)/url: expected a plain http://host[:port]/path URL")
                }
                probe = .http(host: parsed.host, port: parsed.port, path: parsed.path, expectStatus: check.expect_status ?? 200)
            case "tcp":
                guard let host = check.host, !host.isEmpty, let port = check.port, (1...65535).contains(port) else {
                    throw .invalidBundle("\(pointer): a tcp check needs host and port (1-65535)")
                }
                probe = .tcp(host: host, port: port)
            case "container_running":
                probe = .containerRunning
            case "command":
                guard let words = check.command, !words.isEmpty else { throw .invalidBundle("\(pointer)/command: expected a non-empty list of words") }
                probe = .command(words)
            default:
                throw .invalidBundle("\(pointer)/kind: '\(check.kind)' is not http, tcp, container_running or command")
            }
            checks.append(Check(name: check.name, service: check.service, probe: probe, intervalSeconds: check.interval_seconds,
                                timeoutSeconds: check.timeout_seconds, retries: check.retries))
        }
        self.checks = checks
    }

    /// `http://host[:port][/path]` → parts; nil for anything else (https included).
    public static func parseURL(_ url: String) -> (host: String, port: Int, path: String)? {
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
            guard after.hasPrefix(":"), let port = Int(after.dropFirst()), (1...65535).contains(port) else { return nil }
            return (host, port, path)
        }
        let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, !parts[0].isEmpty else { return nil }
        if parts.count == 1 { return (String(parts[0]), 80, path) }
        guard let port = Int(parts[1]), (1...65535).contains(port) else { return nil }
        return (String(parts[0]), port, path)
    }
}
