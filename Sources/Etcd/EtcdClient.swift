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
        try await list(prefix: prefix, changedSince: changedSince, maximumValueBytes: FleetRecordCodec.maximumBytes)
    }

    /// Keys per transaction when values are read key by key (a batch of etcd's largest values,
    /// 1.5 MiB each, base64 in JSON, stays far below the transport's answer limit).
    static let valueBatch = 8

    /// Pages read at the first page's revision, so the listing is one consistent snapshot; if
    /// that revision is compacted away mid-listing, it starts again. A page whose values together
    /// are larger than the transport reads (a few devices writing etcd's largest values) is read
    /// again as keys only, and its values in small batches; a value larger than
    /// `maximumValueBytes` is withheld (key and revision only). So what any one record costs the
    /// reader is bounded by its own size, and no record can make the listing fail.
    public func list(prefix: String, changedSince: Int64?, maximumValueBytes: Int) async throws(FleetError) -> StoreListing {
        for _ in 0..<3 {
            var values: [StoredValue] = []
            var start = prefix
            var revision: Int64?
            do throws(FleetError) {
                while true {
                    var request = EtcdWire.RangeRequest(
                        key: EtcdWire.base64(start), rangeEnd: EtcdWire.base64(FleetPermission.prefixEnd(prefix)), limit: pageSize,
                        revision: revision.map(String.init), minModRevision: changedSince.map(String.init))
                    let page: EtcdWire.RangeResponse
                    if let whole = try await callUnlessTooLarge("kv/range", request, as: EtcdWire.RangeResponse.self) {
                        page = whole
                        if revision == nil { revision = page.header.revision }
                        values += page.kvs.map { Self.stored($0).withheld(above: maximumValueBytes) }
                    } else {
                        request.keysOnly = true
                        page = try await call("kv/range", request, as: EtcdWire.RangeResponse.self)
                        if revision == nil { revision = page.header.revision }
                        logger.notice("a page of \(prefix) is larger than this client reads; reading its values in small batches", metadata: ["keys": "\(page.kvs.count)"])
                        values += try await self.values(of: page.kvs, at: revision ?? page.header.revision, maximumValueBytes: maximumValueBytes)
                    }
                    guard page.more, let last = page.kvs.last else { break }
                    start = String(decoding: last.key + [0], as: UTF8.self)
                }
                return StoreListing(values: values, revision: revision ?? 0)
            } catch .unavailable(let detail) where revision != nil && detail.contains("compacted") {
                continue
            }
        }
        throw .unavailable("listing \(prefix) kept meeting compaction")
    }

    /// The values of `keys` (from a keys-only page) at `revision`, a few keys per transaction;
    /// a batch too large is split, and a single value too large to read at all is withheld.
    func values(of keys: [EtcdWire.KeyValue], at revision: Int64, maximumValueBytes: Int) async throws(FleetError) -> [StoredValue] {
        var result: [StoredValue] = []
        var index = 0
        var batch = Self.valueBatch
        while index < keys.count {
            let slice = Array(keys[index..<min(index + batch, keys.count)])
            let operations = slice.map { EtcdWire.RequestOp(requestRange: EtcdWire.RangeRequest(key: EtcdWire.base64($0.key), revision: String(revision))) }
            if let answer = try await callUnlessTooLarge("kv/txn", EtcdWire.TxnRequest(compare: [], success: operations), as: EtcdWire.TxnResponse.self) {
                for response in answer.responses {
                    if let found = response.responseRange?.kvs.first { result.append(Self.stored(found).withheld(above: maximumValueBytes)) }
                }
                index += slice.count
                batch = Self.valueBatch
            } else if slice.count > 1 {
                batch = max(1, slice.count / 2)
            } else {
                result.append(StoredValue(key: String(decoding: slice[0].key, as: UTF8.self), value: [], modRevision: slice[0].modRevision,
                                          withheldBytes: maximumValueBytes + 1))
                index += 1
                batch = Self.valueBatch
            }
        }
        return result
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
        guard let response = try await callUnlessTooLarge(path, body, as: type, authenticated: authenticated) else {
            throw .unavailable("\(path): the answer is larger than this client reads")
        }
        return response
    }

    /// `call`, or nil when the answer is larger than the transport reads.
    func callUnlessTooLarge<Request: Encodable, Response: Decodable>(_ path: String, _ body: Request, as type: Response.Type, authenticated: Bool = true) async throws(FleetError) -> Response? {
        var retriedToken = false
        var retries = 0
        while true {
            let token = authenticated ? try await currentToken() : nil
            guard case .answer(let status, let bytes) = try await exchange(path, CanonicalJSON.compact(body), token: token) else { return nil }
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
            // What etcd says was not applied and is worth asking again, as its own client does:
            // a token older than the auth store (another operator changed users or roles
            // meanwhile; a fresh token is needed), a leader change, too many requests.
            if retries < 6, Self.isRetryable(message) {
                retries += 1
                if message.contains("revision of auth store is old") { lock.withLock { self.token = nil } }
                logger.debug("etcd asked to try again", metadata: ["path": "\(path)", "message": "\(message)", "attempt": "\(retries)"])
                try? await Task.sleep(for: .milliseconds(Int64.random(in: 20...(50 << retries))))
                continue
            }
            if code == 7 { throw .permissionDenied("\(path): \(message)") }
            if code == 3, message.contains("authentication failed") { throw .permissionDenied("\(path): \(message)") }
            throw .unavailable("\(path): \(message)")
        }
    }

    enum Exchange { case answer(Int, [UInt8]), tooLarge }

    /// etcd's answers that mean the request was not applied and may be sent again.
    static func isRetryable(_ message: String) -> Bool {
        ["revision of auth store is old", "leader changed", "too many requests", "no leader"].contains { message.contains($0) }
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
    private func exchange(_ path: String, _ body: [UInt8], token: String?) async throws(FleetError) -> Exchange {
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
                return .answer(response.status, response.body)
            } catch let error as TransportError where error.kind == .responseTooLarge {
                lock.withLock { preferred = index }
                return .tooLarge
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
