import Basics
import FoundationEssentials
import Lock

/// `health-checks.json` from a release bundle: what `rollback check` runs.
public struct HealthCheckFile: Sendable, Equatable {
    /// The same model the definition has: the build writes what it parsed, the box reads it back.
    public typealias Check = HealthCheck

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
        catch { throw .invalidBundle("health-checks.json is not valid: \(DecodingFailure.describe(error))") }
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
                guard let url = check.url, Check.httpTarget(url) != nil else {
                    throw .invalidBundle("\(pointer)/url: expected a plain http://host[:port]/path URL")
                }
                probe = .http(url: url, expectStatus: check.expect_status ?? 200)
            case "tcp":
                guard let host = check.host, !host.isEmpty, let port = check.port, (1...65535).contains(port) else {
                    throw .invalidBundle("\(pointer): a tcp check needs host and port (1-65535)")
                }
                probe = .tcp(host: host, port: port)
            case "container_running":
                probe = .containerRunning
            case "command", "exec":
                guard let words = check.command, !words.isEmpty, !words[0].isEmpty, words.allSatisfy({ !$0.utf8.contains(0) && $0.utf8.count <= 4096 }) else {
                    throw .invalidBundle("\(pointer)/command: expected a non-empty list of words without NUL bytes")
                }
                probe = check.kind == "exec" ? .exec(words) : .command(words)
            default:
                throw .invalidBundle("\(pointer)/kind: '\(check.kind.printable)' is not http, tcp, container_running, command or exec")
            }
            // Read back as hostile: the name is shown, the service is a compose service name.
            guard !check.name.isEmpty, check.name.count <= 100, !check.name.hasControlCharacters else {
                throw .invalidBundle("\(pointer)/name: expected 1-100 characters on one line")
            }
            guard !check.service.isEmpty, check.service.utf8.count <= 63,
                  check.service.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || "_.-".utf8.contains($0) }) else {
                throw .invalidBundle("\(pointer)/service: '\(check.service.printable)' is not a compose service name")
            }
            checks.append(Check(name: check.name, service: check.service, probe: probe, intervalSeconds: check.interval_seconds,
                                timeoutSeconds: check.timeout_seconds, retries: check.retries))
        }
        self.checks = checks
    }
}
