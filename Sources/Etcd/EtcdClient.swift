import Basics
import Fleet
import FoundationEssentials
import HTTPCore
import Logging

/// A client of etcd v3 over its JSON gateway (`POST /v3/kv/range`, `/v3/kv/txn`, ...) and the
/// toolchain's HTTP transport (libcurl), rather than gRPC: the box tools already carry libcurl,
/// and the gateway is part of every etcd 3.4 server. Endpoints are tried in turn (the last one
/// that answered first); a user's token is fetched with its password and fetched again when the
/// server says it expired. The password and token never appear in an error or a log line.
public final class EtcdClient: FleetStore, @unchecked Sendable {
    public struct Credentials: Sendable {
        public var user: String
        public var password: String
        public init(user: String, password: String) {
            self.user = user
            self.password = password
        }
    }

    public let endpoints: [URL]
    let transport: any HTTPTransport
    let credentials: Credentials?
    let timeout: Duration
    let logger: Logger
    /// Keys per page when listing a prefix.
    let pageSize: Int64

    private let lock = Lock()
    private var token: String?
    private var preferred = 0

    public init(endpoints: [URL], transport: any HTTPTransport, credentials: Credentials? = nil, timeout: Duration = .seconds(5),
                pageSize: Int64 = 2000, logger: Logger = Logger(label: "edge.etcd")) {
        self.endpoints = endpoints
        self.transport = transport
        self.credentials = credentials
        self.timeout = timeout
        self.pageSize = pageSize
        self.logger = logger
    }

    /// Parses `http(s)://host:port` endpoints, comma-separated, as `--etcd` gives them.
    public static func parseEndpoints(_ text: String) throws(FleetError) -> [URL] {
        let parts = text.split(separator: ",").map { String($0).trimmed }
        guard !parts.isEmpty else { throw .invalidInput("--etcd: expected one or more endpoints http(s)://host:port, comma-separated") }
        var urls: [URL] = []
        for part in parts {
            guard let url = URL(string: part), let scheme = url.scheme, scheme == "http" || scheme == "https", url.host != nil,
                  url.user == nil, url.password == nil, url.path.isEmpty || url.path == "/", url.query == nil else {
                throw .invalidInput("--etcd: '\(URLRedaction.redacted(part).printable)' is not an endpoint http(s)://host:port (no user, path or query)")
            }
            urls.append(url)
        }
        return urls
    }

    // MARK: FleetStore

    public func get(_ key: String) async throws(FleetError) -> StoredValue? {
        let response = try await call("kv/range", EtcdWire.RangeRequest(key: EtcdWire.base64(key)), as: EtcdWire.RangeResponse.self)
        return response.kvs.first.map(Self.stored)
    }

    public func list(prefix: String, changedSince: Int64?) async throws(FleetError) -> StoreListing {
        // Pages read at the first page's revision, so the listing is one consistent snapshot;
        // if that revision is compacted away mid-listing, start again.
        for _ in 0..<3 {
            var values: [StoredValue] = []
            var start = prefix
            var revision: Int64?
            var compacted = false
            while true {
                let request = EtcdWire.RangeRequest(
                    key: EtcdWire.base64(start), rangeEnd: EtcdWire.base64(FleetPermission.prefixEnd(prefix)), limit: pageSize,
                    revision: revision.map(String.init), minModRevision: changedSince.map(String.init))
                let response: EtcdWire.RangeResponse
                do {
                    response = try await call("kv/range", request, as: EtcdWire.RangeResponse.self)
                } catch .unavailable(let detail) where revision != nil && detail.contains("compacted") {
                    compacted = true
                    break
                }
                if revision == nil { revision = response.header.revision }
                values += response.kvs.map(Self.stored)
                guard response.more, let last = response.kvs.last else { break }
                start = String(decoding: last.key + [0], as: UTF8.self)
            }
            if !compacted { return StoreListing(values: values, revision: revision ?? 0) }
        }
        throw .unavailable("listing \(prefix) kept meeting compaction")
    }

    public func commit(_ conditions: [StoreCondition], _ writes: [StoreWrite]) async throws(FleetError) -> Bool {
        let compare = conditions.map { condition -> EtcdWire.Compare in
            switch condition {
            case .absent(let key): EtcdWire.Compare(key: EtcdWire.base64(key), target: "CREATE", createRevision: "0")
            case .unchanged(let key, let revision): EtcdWire.Compare(key: EtcdWire.base64(key), target: "MOD", modRevision: String(revision))
            }
        }
        let success = writes.map { write -> EtcdWire.RequestOp in
            switch write {
            case .put(let key, let value): EtcdWire.RequestOp(requestPut: .init(key: EtcdWire.base64(key), value: EtcdWire.base64(value)))
            case .delete(let key): EtcdWire.RequestOp(requestDeleteRange: .init(key: EtcdWire.base64(key)))
            }
        }
        return try await call("kv/txn", EtcdWire.TxnRequest(compare: compare, success: success), as: EtcdWire.TxnResponse.self).succeeded
    }

    // MARK: beyond the seam

    /// Puts one key unconditionally (a device's own status), optionally on a lease.
    public func put(_ key: String, _ value: [UInt8], lease: Int64? = nil) async throws(FleetError) {
        _ = try await call("kv/put", EtcdWire.PutRequest(key: EtcdWire.base64(key), value: EtcdWire.base64(value), lease: lease.map(String.init)), as: EtcdWire.HeaderOnly.self)
    }

    public func delete(_ key: String) async throws(FleetError) {
        _ = try await call("kv/deleterange", EtcdWire.DeleteRequest(key: EtcdWire.base64(key)), as: EtcdWire.HeaderOnly.self)
    }

    /// A lease of `seconds`; keys put on it vanish when it is not kept alive.
    public func grantLease(seconds: Int64) async throws(FleetError) -> Int64 {
        try await call("lease/grant", EtcdWire.LeaseGrantRequest(TTL: seconds), as: EtcdWire.LeaseGrantResponse.self).ID.value
    }

    /// Renews a lease; false when it has already expired (the caller grants a new one).
    public func keepAlive(lease: Int64) async throws(FleetError) -> Bool {
        let response = try await call("lease/keepalive", EtcdWire.LeaseID(ID: String(lease)), as: EtcdWire.LeaseKeepAliveResponse.self)
        return (response.result?.TTL?.value ?? 0) > 0
    }

    /// Compacts the store's history up to `revision` (the simulation's fault; operators run
    /// etcd's own auto-compaction).
    public func compact(revision: Int64) async throws(FleetError) {
        _ = try await call("kv/compaction", ["revision": String(revision)], as: EtcdWire.HeaderOnly.self)
    }

    /// The server's current revision.
    public func revision() async throws(FleetError) -> Int64 {
        try await call("maintenance/status", EtcdWire.Empty(), as: EtcdWire.StatusResponse.self).header.revision
    }

    static func stored(_ kv: EtcdWire.KeyValue) -> StoredValue {
        StoredValue(key: String(decoding: kv.key, as: UTF8.self), value: kv.value, modRevision: kv.modRevision)
    }

    // MARK: the exchange

    func call<Request: Encodable, Response: Decodable>(_ path: String, _ body: Request, as type: Response.Type, authenticated: Bool = true) async throws(FleetError) -> Response {
        var retriedToken = false
        while true {
            let token = authenticated ? try await currentToken() : nil
            let (status, bytes) = try await exchange(path, CanonicalJSON.compact(body), token: token)
            if status == 200 {
                do {
                    return try JSONDecoder().decode(Response.self, from: Data(bytes))
                } catch {
                    throw .unavailable("etcd answered \(path) with a body that is not what its v3 API returns")
                }
            }
            let failure = try? JSONDecoder().decode(EtcdWire.ErrorBody.self, from: Data(bytes))
            let message = (failure?.message ?? failure?.error ?? "HTTP \(status)").printableText(limit: 200)
            let code = failure?.code ?? -1
            if authenticated, credentials != nil, !retriedToken, code == 16 || message.contains("invalid auth token") {
                lock.withLock { self.token = nil }
                retriedToken = true
                continue
            }
            if code == 7 { throw .permissionDenied("\(path): \(message)") }
            if code == 3, message.contains("authentication failed") { throw .permissionDenied("\(path): \(message)") }
            throw .unavailable("\(path): \(message)")
        }
    }

    private func currentToken() async throws(FleetError) -> String? {
        guard let credentials else { return nil }
        if let token = lock.withLock({ self.token }) { return token }
        let response = try await call("auth/authenticate", EtcdWire.AuthenticateRequest(name: credentials.user, password: credentials.password),
                                      as: EtcdWire.AuthenticateResponse.self, authenticated: false)
        lock.withLock { self.token = response.token }
        return response.token
    }

    /// One request, to the endpoints in turn from the one that last answered.
    private func exchange(_ path: String, _ body: [UInt8], token: String?) async throws(FleetError) -> (Int, [UInt8]) {
        let first = lock.withLock { preferred }
        var lastError = "no endpoint"
        for offset in 0..<endpoints.count {
            let index = (first + offset) % endpoints.count
            guard let url = URL(string: "v3/\(path)", relativeTo: endpoints[index]) else { continue }
            var headers = HTTPHeaders([("Content-Type", "application/json")])
            if let token { headers.add("Authorization", token) }
            do {
                let response = try await transport.send(HTTPRequest(method: .post, url: url.absoluteURL, headers: headers, body: body, timeout: timeout))
                lock.withLock { preferred = index }
                return (response.status, response.body)
            } catch let error as TransportError {
                lastError = "\(URLRedaction.redacted(endpoints[index].absoluteString)): \(error.description)"
                logger.debug("etcd endpoint did not answer", metadata: ["endpoint": "\(URLRedaction.redacted(endpoints[index].absoluteString))"])
            } catch {
                lastError = "\(URLRedaction.redacted(endpoints[index].absoluteString)): \(error)"
            }
        }
        throw .unavailable(lastError)
    }
}

extension EtcdClient: FleetPresence {
    public func announce(_ key: String, _ value: [UInt8], ttl: Int64, lease: Int64?) async throws(FleetError) -> Int64 {
        if let lease, try await keepAlive(lease: lease) { return lease }
        let fresh = try await grantLease(seconds: ttl)
        try await put(key, value, lease: fresh)
        return fresh
    }
}
