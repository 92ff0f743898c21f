#if canImport(Glibc)
import Glibc
#endif

/// Reads an input file an operator named, as hostile input is read: only a regular file (a
/// FIFO or a device is never opened for reading: the open does not block and the type is
/// checked on the descriptor), and never more than `limit` bytes (the size is checked before
/// anything is allocated).
public enum BoundedFile {
    public enum Outcome: Sendable, Equatable {
        case bytes([UInt8])
        case missing
        case notRegularFile
        case tooLarge(size: Int)
        case unreadable(errno: Int32)
    }

    public static func read(_ path: String, limit: Int) -> Outcome {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { return errno == ENOENT || errno == ENOTDIR ? .missing : .unreadable(errno: errno) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { return .unreadable(errno: errno) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { return .notRegularFile }
        guard Int(status.st_size) <= limit else { return .tooLarge(size: Int(status.st_size)) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(status.st_size))
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return .unreadable(errno: errno) }
            if count == 0 { return .bytes(bytes) }
            // A file that grows while it is read is still bounded.
            guard bytes.count + count <= limit else { return .tooLarge(size: bytes.count + count) }
            bytes += buffer[0..<count]
        }
    }

    /// The outcome as a sentence fragment ("does not exist", "is not a regular file", ...).
    public static func problem(_ outcome: Outcome, limit: Int) -> String? {
        switch outcome {
        case .bytes: nil
        case .missing: "does not exist"
        case .notRegularFile: "is not a regular file"
        case .tooLarge(let size): "is \(size) bytes; at most \(limit) are read"
        case .unreadable(let code): "cannot be read: \(String(cString: strerror(code)))"
        }
    }
}
