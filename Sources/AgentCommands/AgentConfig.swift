import Basics
import Etcd
import Fleet
import FoundationEssentials
import HostIO

/// The agent's configuration, `/etc/edge-imagesmith/fleet.json` (owner-only: it names the
/// password file). Read strictly (`StrictJSON`): an unknown or duplicate field, a number out
/// of range or a bad value is refused with the file, line:column and its JSON Pointer.
struct AgentConfig: Sendable, Decodable {
    /// etcd endpoints; or else `s3`.
    var etcd: [String]?
    var s3: S3Store?
    var device: FleetName
    var user: String?
    var passwordFile: String?
    var caFile: String?
    var prefix = "/edge/v1/"
    var pollIntervalSeconds = 60.0
    /// Where fetched bundles and the agent's state live (relative to `root`).
    var workDirectory = "/var/lib/edge-fleet-agent"
    /// The box's root (tests and image builds give another).
    var root = "/"
    var rollback = "/usr/bin/rollback"
    var provision = "/usr/bin/provision"
    /// Fetch bundles from plain http:// locations too (a lab only; docs/fleet.md).
    var allowPlainHTTP = false

    enum CodingKeys: String, CodingKey, CaseIterable {
        case etcd, s3, device, user, passwordFile = "password_file", caFile = "ca_file", prefix, pollIntervalSeconds = "poll_interval_seconds"
        case workDirectory = "work_directory", root, rollback, provision, allowPlainHTTP = "allow_plain_http"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        etcd = try c.decodeIfPresent([String].self, forKey: .etcd)
        s3 = try c.decodeIfPresent(S3Store.self, forKey: .s3)
        guard (etcd == nil) != (s3 == nil) else {
            throw DecodingError.dataCorruptedError(forKey: .etcd, in: c, debugDescription: "expected exactly one store: etcd (endpoints) or s3")
        }
        device = try c.decode(FleetName.self, forKey: .device)
        user = try c.decodeIfPresent(String.self, forKey: .user)
        passwordFile = try c.decodeIfPresent(String.self, forKey: .passwordFile)
        caFile = try c.decodeIfPresent(String.self, forKey: .caFile)
        prefix = try c.decodeIfPresent(String.self, forKey: .prefix) ?? prefix
        pollIntervalSeconds = try c.decodeIfPresent(Double.self, forKey: .pollIntervalSeconds) ?? pollIntervalSeconds
        workDirectory = try c.decodeIfPresent(String.self, forKey: .workDirectory) ?? workDirectory
        root = try c.decodeIfPresent(String.self, forKey: .root) ?? root
        rollback = try c.decodeIfPresent(String.self, forKey: .rollback) ?? rollback
        provision = try c.decodeIfPresent(String.self, forKey: .provision) ?? provision
        allowPlainHTTP = try c.decodeIfPresent(Bool.self, forKey: .allowPlainHTTP) ?? false
        guard s3 == nil || user == nil else {
            throw DecodingError.dataCorruptedError(forKey: .user, in: c, debugDescription: "user and password_file are etcd's; s3 has its access_key_id and secret_file")
        }
        guard (user == nil) == (passwordFile == nil) else {
            throw DecodingError.dataCorruptedError(forKey: .user, in: c, debugDescription: "user and password_file go together")
        }
        guard pollIntervalSeconds >= 1, pollIntervalSeconds <= 86_400 else {
            throw DecodingError.dataCorruptedError(forKey: .pollIntervalSeconds, in: c, debugDescription: "expected 1 to 86400 seconds")
        }
        for (key, path) in [(CodingKeys.workDirectory, workDirectory), (.root, root), (.rollback, rollback), (.provision, provision)] where !path.hasPrefix("/") {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "expected an absolute path")
        }
        guard prefix.hasPrefix("/") else { throw DecodingError.dataCorruptedError(forKey: .prefix, in: c, debugDescription: "expected a key path starting with '/'") }
    }

    /// The fleet's bucket: `{"url": "https://host/bucket", "region": "...", "access_key_id":
    /// "...", "secret_file": "/etc/edge-imagesmith/fleet-s3.secret"}` (the secret file
    /// owner-only).
    struct S3Store: Sendable, Decodable {
        var url: String
        var region: String
        var accessKeyID: String
        var secretFile: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case url, region, accessKeyID = "access_key_id", secretFile = "secret_file"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            url = try c.decode(String.self, forKey: .url)
            region = try c.decode(String.self, forKey: .region)
            accessKeyID = try c.decode(String.self, forKey: .accessKeyID)
            secretFile = try c.decode(String.self, forKey: .secretFile)
            guard secretFile.hasPrefix("/") else { throw DecodingError.dataCorruptedError(forKey: .secretFile, in: c, debugDescription: "expected an absolute path") }
            guard !accessKeyID.isEmpty, !accessKeyID.hasControlCharacters else {
                throw DecodingError.dataCorruptedError(forKey: .accessKeyID, in: c, debugDescription: "expected an access key id")
            }
        }
    }

    static func load(_ path: String) throws(FleetError) -> AgentConfig {
        let outcome = BoundedFile.read(path, limit: 64 << 10)
        guard case .bytes(let bytes) = outcome else {
            throw .invalidInput("\(path.printable) \(BoundedFile.problem(outcome, limit: 64 << 10) ?? "cannot be read")")
        }
        do { return try StrictJSON.decode(AgentConfig.self, from: bytes, file: path, maximumBytes: 64 << 10) }
        catch { throw .invalidFile(path: path, detail: error.detail) }
    }

    /// The path `path` names on the box (under `root`).
    func onBox(_ path: String) -> String { root == "/" ? path : root + path }
}
