import Basics
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// The machine's own file system, through `AtomicFile` for every write.
public struct LocalFileSystem: FileSystem {
    public init() {}

    public func contents(_ path: String) -> [UInt8]? {
        // Opening a FIFO must not wait for a writer: it is refused, as is anything that is
        // not a regular file.
        guard case .bytes(let bytes) = BoundedFile.read(path, limit: .max) else { return nil }
        return bytes
    }

    public func kind(_ path: String) -> FileKind? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        default: return .other
        }
    }

    public func permissions(_ path: String) -> UInt32? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return UInt32(status.st_mode & 0o7777)
    }

    public func list(_ path: String) throws(HostIOError) -> [String] {
        guard let directory = opendir(path) else { throw .system(operation: "list", path: path, errno: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public func linkTarget(_ path: String) -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { readlink(path, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count) }
        guard count >= 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    public func stamp(_ path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return "\(info.st_ino) \(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) \(info.st_mode)"
    }

    public func write(_ bytes: [UInt8], to path: String, mode: UInt32) throws(HostIOError) {
        try AtomicFile.write(bytes, to: path, mode: mode_t(mode))
    }

    public func symlink(_ target: String, at path: String) throws(HostIOError) {
        try AtomicFile.symlink(target, at: path)
    }

    public func makeDirectory(_ path: String, mode: UInt32) throws(HostIOError) {
        try AtomicFile.makeDirectory(path, mode: mode_t(mode))
    }

    public func move(_ source: String, to destination: String) throws(HostIOError) {
        try AtomicFile.move(source, to: destination)
    }

    public func remove(_ path: String) throws(HostIOError) {
        try AtomicFile.remove(path)
    }

    public func removeTree(_ path: String) throws(HostIOError) {
        guard kind(path) != nil else { return }
        try removeEntries(path)
        try AtomicFile.syncDirectory(Path.directory(path))
    }

    private func removeEntries(_ path: String) throws(HostIOError) {
        if kind(path) == .directory {
            for name in try list(path) { try removeEntries(path + "/" + name) }
            guard rmdir(path) == 0 else { throw .system(operation: "remove", path: path, errno: errno) }
        } else {
            guard unlink(path) == 0 || errno == ENOENT else { throw .system(operation: "remove", path: path, errno: errno) }
        }
    }

    public func removeStaleTemporaries(for path: String) {
        AtomicFile.removeStaleTemporaries(for: path)
    }

    public func lock(_ path: String) throws(HostIOError) -> FileSystemLock {
        switch try FileLock.acquire(path) {
        case .acquired(let lock): .acquired(holder: lock)
        case .busy(let holder): .busy(holder: holder)
        }
    }
}
