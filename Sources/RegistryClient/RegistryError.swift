import Basics
import ImageReference

/// One error from a registry's JSON error body (`{"errors":[{"code":..,"message":..}]}`).
public struct RegistryAPIError: Sendable, Equatable, Decodable {
    public var code: String
    public var message: String?

    public init(code: String, message: String?) {
        self.code = code
        self.message = message
    }

    struct Envelope: Decodable { var errors: [RegistryAPIError] }
}

/// Why a reference could not be pinned. `description` is a sentence for the CLI; no secret
/// ever appears in it.
public enum RegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreachable(endpoint: String, detail: String)
    case tls(endpoint: String, detail: String)
    case deadlineExceeded(seconds: Double, lastProblem: String?)
    case refused(status: Int, url: String, errors: [RegistryAPIError])
    case unauthorized(registry: String, detail: String)
    case insecureRedirect(from: String, to: String)
    case tooManyRedirects(url: String)
    case plainHTTPRefused(url: String)
    case tokenServer(realm: String, detail: String)
    case digestMismatch(url: String, claimed: Digest, computed: Digest)
    case contentTypeMismatch(url: String, header: String, body: String)
    case unsupportedMediaType(url: String, mediaType: String)
    case malformedManifest(url: String, detail: String)
    case platformNotFound(requested: Platform, available: [Platform])
    /// An index too large or too deeply nested to walk (the bounds protect the run's deadline).
    case indexTooLarge(url: String, detail: String)
    case credentials(registry: String, detail: String)
    case hashing(detail: String)

    /// sysexits: 69 when the registry is unreachable or refusing, 1 for everything else that
    /// is not the caller's input (integrity failures, missing platforms).
    public var exitStatus: ExitStatus {
        switch self {
        case .unreachable, .tls, .deadlineExceeded, .refused, .unauthorized, .insecureRedirect,
             .tooManyRedirects, .tokenServer:
            return .unavailable
        case .plainHTTPRefused, .digestMismatch, .contentTypeMismatch, .unsupportedMediaType,
             .malformedManifest, .platformNotFound, .credentials, .hashing, .indexTooLarge:
            return .failure
        }
    }

    /// The sentence, made safe for a terminal and a log line: much of it comes from the
    /// registry (its error messages, headers, URLs it redirected to), so control and format
    /// characters are escaped and a long message is cut.
    public var description: String { sentence.printableText(limit: 1000) }

    var sentence: String {
        switch self {
        case .unreachable(let endpoint, let detail):
            return "cannot reach registry \(endpoint): \(detail)"
        case .tls(let endpoint, let detail):
            return "TLS verification failed for \(endpoint): \(detail) (put the registry's CA in a certs.d directory, /etc/containers/certs.d/HOST[:PORT]/ca.crt or --certs-dir, or, if it really speaks plain HTTP, say so once: insecure = true for it in registries.conf, the definition's docker.insecure_registries, or --insecure-registry)"
        case .deadlineExceeded(let seconds, let last):
            let limit = seconds.rounded() == seconds ? String(Int(seconds)) : String(seconds)
            return "gave up after the \(limit) s deadline" + (last.map { "; last problem: \($0)" } ?? "")
        case .refused(let status, let url, let errors):
            let detail = errors.prefix(5).map { error in (error.message.map { "\(error.code): \($0)" } ?? error.code).printableText(limit: 200) }.joined(separator: "; ")
            return "registry answered HTTP \(status) for \(url)" + (detail.isEmpty ? "" : " (\(detail))")
        case .unauthorized(let registry, let detail):
            return "registry \(registry) refused access: \(detail)"
        case .insecureRedirect(let from, let to):
            return "refusing the redirect from \(from) to \(to): plain HTTP is only used for hosts named with --insecure-registry"
        case .tooManyRedirects(let url):
            return "too many redirects fetching \(url)"
        case .plainHTTPRefused(let url):
            return "refusing to use plain HTTP for \(url); name its host with --insecure-registry if that is intended"
        case .tokenServer(let realm, let detail):
            return "token server \(realm) did not issue a token: \(detail)"
        case .digestMismatch(let url, let claimed, let computed):
            return "content of \(url) hashes to \(computed) but the registry claimed \(claimed); refusing to pin it"
        case .contentTypeMismatch(let url, let header, let body):
            return "\(url) was served as \(header) but its body says it is \(body)"
        case .unsupportedMediaType(let url, let mediaType):
            return "\(url) is a \(mediaType.isEmpty ? "manifest with no media type" : mediaType); expected an OCI or Docker v2 index or manifest"
        case .malformedManifest(let url, let detail):
            return "\(url) is not a valid manifest: \(detail)"
        case .platformNotFound(let requested, let available):
            let unique = available.reduce(into: [String]()) { if !$0.contains($1.description) { $0.append($1.description) } }
            let list = unique.prefix(20).joined(separator: ", ") + (unique.count > 20 ? " and \(unique.count - 20) more" : "")
            return "no image for platform \(requested)" + (list.isEmpty ? "" : "; available: \(list)")
        case .indexTooLarge(let url, let detail):
            return "refusing to walk the index \(url): \(detail)"
        case .credentials(let registry, let detail):
            return "cannot get credentials for \(registry): \(detail)"
        case .hashing(let detail):
            return "cannot hash content: \(detail)"
        }
    }
}
