import Basics
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive advisory lock (flock) on a file, held for the life of this object. The kernel
/// drops it when the process dies, SIGKILL included, so a killed holder never wedges the next
/// run. The holder's pid is written into the file for the message the next one prints.
public final class FileLock {
    public enum Outcome { case acquired(FileLock), busy(holder: String?) }

    private let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    public static func acquire(_ path: String) throws(HostIOError) -> Outcome {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .system(operation: "open lock file", path: path, errno: errno) }
        return try acquire(descriptor: fd, path: path)
    }

    /// Locks an already open lock file; the lock owns `fd` from here on (closed when busy).
    public static func acquire(descriptor fd: Int32, path: String) throws(HostIOError) -> Outcome {
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            defer { close(fd) }
            guard code == EWOULDBLOCK else { throw .system(operation: "lock", path: path, errno: code) }
            var buffer = [UInt8](repeating: 0, count: 64)
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
            let holder = count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self).trimmed : ""
            return .busy(holder: holder.isEmpty ? nil : holder.printable)
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return .acquired(FileLock(fd: fd))
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
