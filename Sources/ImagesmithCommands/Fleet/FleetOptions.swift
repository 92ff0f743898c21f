import ArgumentParser
import Basics
import Etcd
import Fleet
import FleetEngine
import Foundation
import HostIO
import Logging
import S3
import Transport

/// Where the fleet store is and who we are to it: shared by every `imagesmith fleet` command.
struct FleetOptions: ParsableArguments {
    @Option(help: ArgumentHelp("etcd endpoints, comma-separated (default: $EDGE_ETCD or http://127.0.0.1:2379).", valueName: "URLS"))
    var etcd: String?

    @Option(help: ArgumentHelp("The fleet in an S3 bucket instead of etcd: http(s)://host[:port]/bucket (rollouts need etcd).", valueName: "URL"))
    var s3: String?

    @Option(help: ArgumentHelp("The bucket's region (signatures are scoped to it).", valueName: "REGION"))
    var s3Region = "us-east-1"

    @Option(help: ArgumentHelp("The S3 access key id (with --s3-secret-file).", valueName: "ID"))
    var s3AccessKeyId: String?

    @Option(help: ArgumentHelp("A file holding the S3 secret access key; readable by its owner only.", valueName: "FILE"))
    var s3SecretFile: String?

    @Option(help: ArgumentHelp("The etcd user (with --password-file).", valueName: "NAME"))
    var user: String?

    @Option(help: ArgumentHelp("A file holding the user's password; readable by its owner only.", valueName: "FILE"))
    var passwordFile: String?

    @Option(help: ArgumentHelp("CA certificates for https endpoints (replaces the system's).", valueName: "FILE"))
    var caFile: String?

    @Option(help: ArgumentHelp("The key prefix of the fleet's layout.", valueName: "PREFIX"))
    var prefix: String = "/edge/v1/"

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        if (user == nil) != (passwordFile == nil) { throw ValidationError("--user and --password-file go together.") }
        if s3 != nil, etcd != nil || user != nil { throw ValidationError("--s3 replaces etcd: give it without --etcd, --user and --password-file.") }
        if s3 != nil, s3AccessKeyId == nil || s3SecretFile == nil { throw ValidationError("--s3 needs --s3-access-key-id and --s3-secret-file.") }
        if s3 == nil, s3AccessKeyId != nil || s3SecretFile != nil { throw ValidationError("--s3-access-key-id and --s3-secret-file go with --s3.") }
        if !prefix.hasPrefix("/") || prefix.contains("//") || prefix.hasControlCharacters { throw ValidationError("--prefix must be a key path starting with '/'.") }
    }

    var layout: FleetLayout { FleetLayout(root: prefix) }

    func client() throws(FleetError) -> EtcdClient {
        let text = etcd ?? ProcessInfo.processInfo.environment["EDGE_ETCD"] ?? "http://127.0.0.1:2379"
        let endpoints = try EtcdClient.parseEndpoints(text)
        var credentials: EtcdClient.Credentials?
        if let user, let passwordFile {
            credentials = .init(user: user, password: try Self.readSecret(passwordFile))
        }
        return EtcdClient(endpoints: endpoints, transport: CurlTransport(caFile: caFile), credentials: credentials)
    }

    /// The store the options name: the bucket with --s3, else etcd.
    func store() throws(FleetError) -> any FleetStore {
        guard let s3, let s3AccessKeyId, let s3SecretFile else { return try client() }
        let location = try S3Location.parse(s3, region: s3Region)
        let credentials = S3Credentials(accessKeyID: s3AccessKeyId, secretAccessKey: try Self.readSecret(s3SecretFile, option: "--s3-secret-file"))
        return S3FleetStore(client: S3Client(location: location, credentials: credentials, transport: CurlTransport(caFile: caFile)))
    }

    func engine() throws(FleetError) -> RolloutEngine {
        RolloutEngine(store: try store(), layout: layout, clock: SystemClock(), logger: Logger(label: "imagesmith.fleet"))
    }

    /// The password file: only its owner may read it.
    static func readSecret(_ path: String, option: String = "--password-file") throws(FleetError) -> String {
        switch SecretFile.read(path) {
        case .secret(let text): return text
        case .problem(let problem): throw .invalidInput("\(option) \(path.printable) \(problem)")
        }
    }
}

enum FleetCommandSupport {
    /// Runs `body`; prints its lines (or its JSON), or the failure; ends with its status.
    static func run(json: Bool, _ body: () async throws(FleetError) -> CommandResult) async throws {
        do {
            CommandOutput.standard.print(try await body(), json: json)
        } catch {
            throw CommandOutput.standard.exit(error, status: error.exitStatus, json: json)
        }
    }

    /// `30s`, `90m`, `24h`, `2d`.
    static func seconds(_ text: String, option: String) throws -> Int64 {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        guard let unit = text.last.flatMap({ units[$0] }), let count = Int64(text.dropLast()), count >= 0, count <= 365 * 86_400 else {
            throw ValidationError("\(option) '\(text.printable)' must be a number and a unit: 30s, 90m, 24h, 2d.")
        }
        return count * unit
    }

    static func time(_ seconds: Int64) -> String { Timestamp.iso8601(Date(timeIntervalSince1970: TimeInterval(seconds))) }
}
