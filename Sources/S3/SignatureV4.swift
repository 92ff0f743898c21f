import Basics
import FoundationEssentials
import Hashing

/// AWS Signature Version 4 for S3 (header form): the canonical request, the string to sign
/// and the key derived from the secret by four HMAC-SHA256 steps. Pure: the time is given.
/// Written here rather than taken from a library: the only Swift ones come with the AWS SDK's
/// runtime (and NIO), far more than the box tools' four HMACs.
public struct SignatureV4: Sendable {
    public var credentials: S3Credentials
    public var region: String
    public var service: String

    public init(credentials: S3Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The SHA-256 of an empty payload, which GET and DELETE sign.
    public static let emptyPayloadSHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The headers to send: `headers` plus `x-amz-date`, `x-amz-content-sha256` and
    /// `Authorization`, which signs every one of them. `path` is the request's path as sent
    /// (already URI-encoded); `query` the decoded query parameters.
    public func sign(method: String, path: String, query: [(String, String)], headers: [(String, String)],
                     payloadSHA256: String, at seconds: Int64) throws(HashingError) -> [(String, String)] {
        let stamp = Self.amzDate(seconds)
        let day = String(stamp.prefix(8))
        var all = headers
        all.append(("x-amz-date", stamp))
        all.append(("x-amz-content-sha256", payloadSHA256))
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(all)
        let canonicalQuery = Self.canonicalQuery(query)
        let canonicalRequest = [method, path.isEmpty ? "/" : path, canonicalQuery, canonicalHeaders, signedHeaders, payloadSHA256].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", stamp, scope, try Self.sha256Hex(Array(canonicalRequest.utf8))].joined(separator: "\n")
        var key = Array("AWS4\(credentials.secretAccessKey)".utf8)
        for part in [day, region, service, "aws4_request"] {
            key = try MessageAuthentication.hmacSHA256(key: key, Array(part.utf8))
        }
        let signature = Self.hex(try MessageAuthentication.hmacSHA256(key: key, Array(stringToSign.utf8)))
        all.append(("Authorization", "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"))
        return all
    }

    /// Names and values encoded, sorted by name, then value.
    public static func canonicalQuery(_ query: [(String, String)]) -> String {
        var pairs: [(name: String, value: String)] = []
        for (name, value) in query {
            pairs.append((uriEncode(name, keepSlash: false), uriEncode(value, keepSlash: false)))
        }
        pairs.sort { a, b in a.name == b.name ? a.value < b.value : a.name < b.name }
        return pairs.map { pair in pair.name + "=" + pair.value }.joined(separator: "&")
    }

    /// Lower-case names, values trimmed with inner runs of spaces made one, sorted by name;
    /// a name given twice has its values joined by commas.
    static func canonicalHeaders(_ headers: [(String, String)]) -> (String, String) {
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            let folded = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            merged[name.lowercased(), default: []].append(folded)
        }
        let names = merged.keys.sorted()
        let lines = names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined()
        return (lines, names.joined(separator: ";"))
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters (and `/` in a
    /// path): S3 encodes a path once, not twice as other services do.
    public static func uriEncode(_ text: String, keepSlash: Bool) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepSlash:
                out.append("/")
            default:
                out += "%" + byte.paddedHex.uppercased()
            }
        }
        return out
    }

    /// `20261204T151152Z` for seconds since the epoch: the toolchain's one UTC formatter
    /// (`Timestamp`, RFC 3339) in the basic form.
    public static func amzDate(_ seconds: Int64) -> String {
        String(Timestamp.iso8601(Date(timeIntervalSince1970: TimeInterval(seconds))).filter { $0 != "-" && $0 != ":" })
    }

    public static func sha256Hex(_ bytes: [UInt8]) throws(HashingError) -> String {
        do { return try Hash.hex(bytes) } catch let error as HashingError { throw error } catch { throw .openSSL(operation: "sha256", detail: "\(error)") }
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map(\.paddedHex).joined() }
}

