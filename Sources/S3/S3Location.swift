import Basics
import Fleet
import FoundationEssentials

/// Where a fleet's bucket is: an endpoint (`http(s)://host[:port]`), the bucket, addressed
/// path-style (`/bucket/key`, which every S3 server answers, a local one included), and the
/// region the signatures are scoped to.
public struct S3Location: Sendable, Equatable {
    public var endpoint: URL
    public var bucket: String
    public var region: String

    /// `http(s)://host[:port]/bucket`, as `--s3` and `fleet.json` give it.
    public static func parse(_ text: String, region: String) throws(FleetError) -> S3Location {
        guard let url = URL(string: text), let scheme = url.scheme, scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty,
              url.user == nil, url.password == nil, url.query == nil, url.fragment == nil else {
            throw .invalidInput("--s3: '\(URLRedaction.redacted(text).printable)' is not http(s)://host[:port]/bucket (no user, query or fragment)")
        }
        let parts = url.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard parts.count == 1, let bucket = parts.first, validBucket(bucket) else {
            throw .invalidInput("--s3: '\(URLRedaction.redacted(text).printable)' must name one bucket after the host (3-63 of a-z, 0-9, '.', '-')")
        }
        guard !region.isEmpty, region.utf8.allSatisfy({ (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == UInt8(ascii: "-") }) else {
            throw .invalidInput("--s3-region '\(region.printable)' is not a region name (a-z, 0-9, '-')")
        }
        var base = "\(scheme)://\(host.contains(":") ? "[\(host)]" : host)"
        if let port = url.port { base += ":\(port)" }
        guard let endpoint = URL(string: base) else { throw .invalidInput("--s3: '\(URLRedaction.redacted(text).printable)' is not a URL") }
        return S3Location(endpoint: endpoint, bucket: bucket, region: region)
    }

    static func validBucket(_ name: String) -> Bool {
        (3...63).contains(name.utf8.count)
            && name.utf8.allSatisfy { (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
            && name.first != "." && name.first != "-" && name.last != "." && name.last != "-"
    }

    /// The Host header a request carries (and signs): the port only when it is not the
    /// scheme's own.
    var hostHeader: String {
        let host = endpoint.host ?? ""
        let shown = host.contains(":") ? "[\(host)]" : host
        guard let port = endpoint.port, !(endpoint.scheme == "http" && port == 80), !(endpoint.scheme == "https" && port == 443) else { return shown }
        return "\(shown):\(port)"
    }

    public var text: String { "\(endpoint.absoluteString)/\(bucket)" }
}
