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

    /// The flags every input is opened with: no blocking on a FIFO, no controlling terminal.
    static let readFlags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY

    public static func read(_ path: String, limit: Int) -> Outcome {
        let fd = open(path, readFlags)
        guard fd >= 0 else { return errno == ENOENT || errno == ENOTDIR ? .missing : .unreadable(errno: errno) }
        defer { close(fd) }
        return read(descriptor: fd, limit: limit)
    }

    /// The whole file behind an open descriptor, when it is a regular file of at most `limit`
    /// bytes (what every reader of the file-system seam shares).
    static func read(descriptor fd: Int32, limit: Int) -> Outcome {
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

    /// Sets `mode` exactly (the umask may have narrowed it), writes all of `bytes`, fsyncs
    /// and closes `fd`: the body of every crash-safe write. Returns what went wrong, if
    /// anything; the descriptor is closed either way.
    static func fill(_ fd: Int32, with bytes: [UInt8], mode: mode_t, path: String) -> HostIOError? {
        var failure: HostIOError?
        if fchmod(fd, mode) != 0 { failure = .system(operation: "chmod", path: path, errno: errno) }
        var offset = 0
        while failure == nil && offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                failure = .system(operation: "write", path: path, errno: errno)
            } else {
                offset += written
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = .system(operation: "fsync", path: path, errno: errno) }
        if close(fd) != 0 && failure == nil { failure = .system(operation: "close", path: path, errno: errno) }
        return failure
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
