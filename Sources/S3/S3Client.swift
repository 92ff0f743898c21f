import Basics
import Fleet
import FoundationEssentials
import Hashing
import HTTPCore
import Logging

/// The S3 operations the fleet uses, path-style and signed with Signature Version 4 over the
/// toolchain's HTTP transport (libcurl): conditional GET (`If-None-Match`: 304 when unchanged),
/// conditional PUT (`If-Match` an ETag, or `If-None-Match: *` to create only), DELETE and
/// ListObjectsV2 in pages. The secret never appears in an error or a log line.
public final class S3Client: Sendable {
    public enum Fetched: Sendable, Equatable {
        case object([UInt8], etag: String)
        case notModified
        case missing
    }

    public let location: S3Location
    let signer: SignatureV4
    let transport: any HTTPTransport
    let timeout: Duration
    let pageSize: Int
    let clock: @Sendable () -> Int64
    let logger: Logger

    public init(location: S3Location, credentials: S3Credentials, transport: any HTTPTransport, timeout: Duration = .seconds(10), pageSize: Int = 1000,
                clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }, logger: Logger = Logger(label: "edge.s3")) {
        self.location = location
        self.signer = SignatureV4(credentials: credentials, region: location.region)
        self.transport = transport
        self.timeout = timeout
        self.pageSize = pageSize
        self.clock = clock
        self.logger = logger
    }

    /// Makes the bucket; a bucket this key already owns is fine.
    public func createBucket() async throws(FleetError) {
        let response = try await send(.put, key: nil, body: [])
        if response.status == 200 || errorCode(response) == "BucketAlreadyOwnedByYou" { return }
        throw failure(response, doing: "making bucket \(location.bucket)")
    }

    public func get(_ key: String, ifNoneMatch etag: String? = nil) async throws(FleetError) -> Fetched {
        var headers: [(String, String)] = []
        if let etag { headers.append(("If-None-Match", etag)) }
        let response = try await send(.get, key: key, headers: headers)
        switch response.status {
        case 200:
            guard let etag = response.headers["ETag"], !etag.isEmpty else { throw .unavailable("S3 answered GET \(key) without an ETag") }
            return .object(response.body, etag: etag)
        case 304: return .notModified
        case 404 where errorCode(response) != "NoSuchBucket": return .missing
        default: throw failure(response, doing: "reading \(key)")
        }
    }

    public enum PutCondition: Sendable, Equatable {
        /// Only when the object is still at this ETag.
        case matches(String)
        /// Only when there is no object.
        case absent
    }

    /// The new object's ETag, or nil when the condition did not hold (412, or 409 when a
    /// concurrent conditional write won).
    public func put(_ key: String, _ body: [UInt8], condition: PutCondition? = nil) async throws(FleetError) -> String? {
        var headers: [(String, String)] = [("Content-Type", "application/octet-stream")]
        switch condition {
        case .matches(let etag): headers.append(("If-Match", etag))
        case .absent: headers.append(("If-None-Match", "*"))
        case nil: break
        }
        let response = try await send(.put, key: key, headers: headers, body: body)
        switch response.status {
        case 200:
            guard let etag = response.headers["ETag"], !etag.isEmpty else { throw .unavailable("S3 answered PUT \(key) without an ETag") }
            return etag
        case 412 where condition != nil, 409 where condition != nil: return nil
        case 404 where condition != nil && errorCode(response) == "NoSuchKey": return nil
        default: throw failure(response, doing: "writing \(key)")
        }
    }

    /// Deletes `key` (when it is still at `etag`, if given); false when that did not hold.
    public func delete(_ key: String, ifMatch etag: String? = nil) async throws(FleetError) -> Bool {
        var headers: [(String, String)] = []
        if let etag { headers.append(("If-Match", etag)) }
        let response = try await send(.delete, key: key, headers: headers)
        switch response.status {
        case 200, 204: return true
        case 412 where etag != nil: return false
        case 404 where etag != nil && errorCode(response) == "NoSuchKey": return false
        default: throw failure(response, doing: "deleting \(key)")
        }
    }

    public struct Listed: Sendable, Equatable {
        public var key: String
        public var etag: String
    }

    /// Every object under `prefix` with its ETag (ListObjectsV2, page by page).
    public func list(prefix: String) async throws(FleetError) -> [Listed] {
        var listed: [Listed] = []
        var token: String?
        for _ in 0..<100_000 {
            var query = [("list-type", "2"), ("prefix", prefix), ("max-keys", String(pageSize))]
            if let token { query.append(("continuation-token", token)) }
            let response = try await send(.get, key: nil, query: query)
            guard response.status == 200 else { throw failure(response, doing: "listing \(prefix)") }
            let root: XMLNode
            do { root = try XMLNode.parse(response.body) } catch { throw .unavailable("S3 answered the listing of \(prefix) with XML that does not read: \(error)") }
            guard root.name == "ListBucketResult" else { throw .unavailable("S3 answered the listing of \(prefix) with <\(root.name.printable)>, not <ListBucketResult>") }
            for entry in root.all("Contents") {
                guard let key = entry.child("Key")?.text, let etag = entry.child("ETag")?.text, key.hasPrefix(prefix) else {
                    throw .unavailable("S3's listing of \(prefix) has an entry without a Key under the prefix or an ETag")
                }
                listed.append(Listed(key: key, etag: etag))
            }
            guard root.child("IsTruncated")?.text == "true" else { return listed }
            guard let next = root.child("NextContinuationToken")?.text, !next.isEmpty, next != token else {
                throw .unavailable("S3's listing of \(prefix) is truncated without a new continuation token")
            }
            token = next
        }
        throw .unavailable("S3's listing of \(prefix) did not end")
    }

    // MARK: the exchange

    /// The request's path: the bucket, then the key with each segment encoded once.
    func path(key: String?) -> String {
        "/" + SignatureV4.uriEncode(location.bucket, keepSlash: false) + (key.map { "/" + SignatureV4.uriEncode($0, keepSlash: true) } ?? "")
    }

    func send(_ method: HTTPMethod, key: String?, query: [(String, String)] = [], headers: [(String, String)] = [], body: [UInt8]? = nil) async throws(FleetError) -> HTTPResponse {
        let path = path(key: key)
        // Sent exactly as signed: encoded the same way, in the canonical order.
        let queryText = SignatureV4.canonicalQuery(query)
        guard let url = URL(string: location.endpoint.absoluteString + path + (queryText.isEmpty ? "" : "?" + queryText)) else {
            throw .invalidInput("the S3 key \((key ?? "").printable) does not make a URL")
        }
        var payload = SignatureV4.emptyPayloadSHA256
        if let body {
            do { payload = try SignatureV4.sha256Hex(body) } catch { throw .unavailable("hashing the request body: \(error)") }
        }
        let signed: [(String, String)]
        do {
            signed = try signer.sign(method: method.rawValue, path: path, query: query, headers: [("Host", location.hostHeader)] + headers,
                                     payloadSHA256: payload, at: clock())
        } catch { throw .unavailable("signing the request: \(error)") }
        let request = HTTPRequest(method: method, url: url, headers: HTTPHeaders(signed.map { (name: $0.0, value: $0.1) }), body: body, timeout: timeout)
        do {
            return try await transport.send(request)
        } catch let error as TransportError {
            throw .unavailable("\(location.text): \(error.description)")
        } catch {
            throw .unavailable("\(location.text): \(error)")
        }
    }

    func errorCode(_ response: HTTPResponse) -> String? {
        (try? XMLNode.parse(response.body))?.child("Code")?.text
    }

    func failure(_ response: HTTPResponse, doing what: String) -> FleetError {
        let error = try? XMLNode.parse(response.body)
        let code = error?.child("Code")?.text ?? "HTTP \(response.status)"
        let message = error?.child("Message")?.text ?? ""
        let detail = "\(what): \(code)\(message.isEmpty ? "" : ": \(message)")".printableText(limit: 300)
        switch (response.status, code) {
        case (403, _), (_, "InvalidAccessKeyId"), (_, "SignatureDoesNotMatch"), (_, "AccessDenied"): return .permissionDenied(detail)
        case (404, "NoSuchBucket"): return .missing(key: location.bucket, what: "bucket \(location.bucket)")
        default: return .unavailable(detail)
        }
    }
}
