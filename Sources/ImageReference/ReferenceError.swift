/// Why a string is not a valid image reference, digest, tag or platform.
public enum ReferenceError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case tooLong(length: Int)
    case invalidRegistry(String)
    case uppercaseRepository(String)
    case invalidRepository(String)
    case invalidTag(String)
    case invalidDigest(String, reason: String)
    case unsupportedDigestAlgorithm(String)
    case hexIdentifierAsName(String)
    case invalidPlatform(String, reason: String)

    public var description: String {
        switch self {
        case .empty:
            return "the reference is empty; expected [registry/]repository[:tag][@digest]"
        case .tooLong(let length):
            return "the repository name is \(length) characters long; at most 255 are allowed"
        case .invalidRegistry(let host):
            return "'\(host)' is not a valid registry host; expected a host name, IPv4 address or [IPv6] address with an optional :port"
        case .uppercaseRepository(let name):
            return "repository name '\(name)' must be lower case"
        case .invalidRepository(let name):
            return "'\(name)' is not a valid repository name; expected lower-case path components of letters and digits separated by '.', '_', '__' or dashes"
        case .invalidTag(let tag):
            return "'\(tag)' is not a valid tag; expected up to 128 characters of letters, digits, '_', '.' and '-', not starting with '.' or '-'"
        case .invalidDigest(let digest, let reason):
            return "'\(digest)' is not a valid digest: \(reason)"
        case .unsupportedDigestAlgorithm(let algorithm):
            return "digest algorithm '\(algorithm)' is not supported; expected sha256, sha384 or sha512"
        case .hexIdentifierAsName(let name):
            return "'\(name)' is a 64-character hexadecimal identifier, not a repository name; write it as a digest (name@sha256:...)"
        case .invalidPlatform(let platform, let reason):
            return "'\(platform)' is not a valid platform: \(reason); expected os/architecture[/variant], e.g. linux/arm64"
        }
    }
}
