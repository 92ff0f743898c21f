/// Failures of the OpenSSL signature adapter. A signature that does not verify is not an
/// error (the verifiers answer false); these are keys that cannot be used and OpenSSL calls
/// that failed.
public enum SigningError: Error, Sendable, Equatable, CustomStringConvertible {
    case openSSL(operation: String, detail: String)
    case invalidKey(String)

    public var description: String {
        switch self {
        case .openSSL(let operation, let detail): "OpenSSL failed in \(operation): \(detail)"
        case .invalidKey(let detail): detail
        }
    }
}
