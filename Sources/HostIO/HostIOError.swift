#if canImport(Glibc)
import Glibc
#endif

/// Filesystem failures, naming the path and the system's reason.
public enum HostIOError: Error, Sendable, Equatable, CustomStringConvertible {
    case system(operation: String, path: String, errno: Int32)

    public var description: String {
        switch self {
        case .system(let operation, let path, let code):
            return "cannot \(operation) \(path): \(String(cString: strerror(code)))"
        }
    }
}
