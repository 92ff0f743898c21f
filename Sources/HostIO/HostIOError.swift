#if canImport(Glibc)
import Glibc
#endif

/// Filesystem failures, naming the path and the system's reason.
public enum HostIOError: Error, Sendable, Equatable, CustomStringConvertible {
    case system(operation: String, path: String, errno: Int32)
    /// A program could not be started.
    case cannotRun(program: String, reason: String)

    public var description: String {
        switch self {
        case .system(let operation, let path, let code):
            return "cannot \(operation) \(path): \(String(cString: strerror(code)))"
        case .cannotRun(let program, let reason):
            return "cannot run '\(program)': \(reason)"
        }
    }
}
