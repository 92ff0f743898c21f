import Basics
import FoundationEssentials

public enum HTTPMethod: String, Sendable {
    case head = "HEAD", get = "GET", post = "POST", put = "PUT", delete = "DELETE"
}

/// Response or request headers, kept in order; names compare case-insensitively (HTTP/2
/// answers in lower case).
public struct HTTPHeaders: Sendable, Equatable, Sequence {
    public private(set) var entries: [(name: String, value: String)]

    public init(_ entries: [(name: String, value: String)] = []) { self.entries = entries }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.entries.elementsEqual(rhs.entries) { $0.name == $1.name && $0.value == $1.value }
    }

    public mutating func add(_ name: String, _ value: String) { entries.append((name, value)) }

    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        entries.append((name, value))
    }

    public mutating func remove(_ name: String) {
        entries.removeAll { Self.sameName($0.name, name) }
    }

    public subscript(_ name: String) -> String? {
        entries.first { Self.sameName($0.name, name) }?.value
    }

    public func values(_ name: String) -> [String] {
        entries.filter { Self.sameName($0.name, name) }.map(\.value)
    }

    /// Header names are ASCII tokens: compare them with ASCII case folding.
    static func sameName(_ a: String, _ b: String) -> Bool {
        a.utf8.elementsEqual(b.utf8) { x, y in
            (x >= 0x41 && x <= 0x5a ? x | 0x20 : x) == (y >= 0x41 && y <= 0x5a ? y | 0x20 : y)
        }
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { entries.makeIterator() }

    /// The first header that cannot be sent as one header line: a name that is not an RFC 9110
    /// token, or a value with a control character (CR and LF would end the line and start
    /// another header; NUL would cut it). Transports refuse such a request.
    public var firstUnsendable: String? {
        for (name, value) in entries {
            let nameOK = !name.isEmpty && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
            let valueOK = value.utf8.allSatisfy { byte in byte == 0x09 || (byte >= 0x20 && byte != 0x7f) }
            if !nameOK || !valueOK { return name.printable }
        }
        return nil
    }
}

public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    public var url: URL
    public var headers: HTTPHeaders
    public var body: [UInt8]?
    /// How long this one exchange may take at most (the remaining overall deadline).
    public var timeout: Duration

    public init(method: HTTPMethod, url: URL, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8]? = nil, timeout: Duration) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Why an exchange produced no HTTP response at all.
public struct TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case timedOut, connectionFailed, hostNotFound, tls, protocolError, other
        /// The answer was larger than the client accepts (it stopped reading): asking again
        /// for the same thing cannot help; asking for less may.
        case responseTooLarge
        /// The request itself cannot be sent as it is (a header value that would end the line):
        /// retrying cannot help.
        case refusedRequest
    }
    public var kind: Kind
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// TLS failures (bad certificate, wrong CA) will not heal by retrying.
    public var isRetryable: Bool { kind != .tls && kind != .refusedRequest && kind != .responseTooLarge }

    public var description: String { detail }
}

/// The HTTP seam. Implementations throw `TransportError` when no response came, must not
/// follow redirects (the core decides where
/// credentials may go) and must verify TLS peers.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}
