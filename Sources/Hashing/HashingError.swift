/// Failures of the OpenSSL digest adapter.
public enum HashingError: Error, Sendable, CustomStringConvertible {
    case openSSL(operation: String, detail: String)
    case unknownAlgorithm(String)

    public var description: String {
        switch self {
        case .openSSL(let operation, let detail):
            return "OpenSSL failed in \(operation): \(detail)"
        case .unknownAlgorithm(let name):
            return "OpenSSL does not know the digest algorithm '\(name)'"
        }
    }
}
