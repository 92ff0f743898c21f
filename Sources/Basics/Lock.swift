#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A mutex for state shared across threads (the toolchain's replacement for `NSLock`, which
/// FoundationEssentials lacks).
public final class Lock: Sendable {
    private let mutex = Mutex(())

    public init() {}

    public func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        try mutex.withLock { _ throws(E) in try body() }
    }
}
