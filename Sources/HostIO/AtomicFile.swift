import Basics
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// Crash-safe whole-file writes: a temporary file in the same directory, created with its
/// final mode (so a secret is never world-readable, not even for a moment), written, fsynced,
/// renamed over the target, and the directory fsynced. After `write` returns, the new content
/// survives a power cut; before, the old content is intact.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(HostIOError) {
        let directory = Path.directory(path)
        let base = Path.name(path)
        let temporary = "\(directory)/.\(base).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .system(operation: "create", path: temporary, errno: errno) }
        // The umask may have narrowed the mode at creation: `fill` sets it exactly.
        let failure = BoundedFile.fill(fd, with: bytes, mode: mode, path: temporary)
        if let failure {
            unlink(temporary)
            throw failure
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw .system(operation: "rename into place", path: path, errno: code)
        }
        try syncDirectory(directory)
    }

    /// fsyncs a directory so a rename or create inside it is durable.
    public static func syncDirectory(_ path: String) throws(HostIOError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(operation: "open directory", path: path, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .system(operation: "fsync directory", path: path, errno: errno) }
    }

    /// Creates a directory and its parents with `mode`, fsyncing each parent it changed.
    public static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws(HostIOError) {
        var status = stat()
        if stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR { return }
        let parent = Path.parent(path)
        if !parent.isEmpty && parent != path { try makeDirectory(parent, mode: mode) }
        if mkdir(path, mode) != 0 && errno != EEXIST { throw .system(operation: "create directory", path: path, errno: errno) }
        if !parent.isEmpty { try syncDirectory(parent) }
    }
}

extension AtomicFile {
    static func temporaryPrefix(for path: String) -> (directory: String, prefix: String) {
        (Path.directory(path), ".\(Path.name(path)).tmp-")
    }

    /// Replaces `path` with a symlink to `target` atomically (temp link, rename, fsync dir).
    public static func symlink(_ target: String, at path: String) throws(HostIOError) {
        let (directory, prefix) = temporaryPrefix(for: path)
        let temporary = "\(directory)/\(prefix)\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard Glibc.symlink(target, temporary) == 0 else { throw .system(operation: "create symlink", path: temporary, errno: errno) }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw .system(operation: "rename into place", path: path, errno: code)
        }
        try syncDirectory(directory)
    }

    /// Renames a file or directory within one file system (atomic), then fsyncs the directory
    /// it left and the one it entered, so that the move is durable.
    public static func move(_ source: String, to destination: String) throws(HostIOError) {
        guard rename(source, destination) == 0 else { throw .system(operation: "rename into place", path: destination, errno: errno) }
        try syncDirectory(Path.directory(destination))
        if Path.directory(source) != Path.directory(destination) { try syncDirectory(Path.directory(source)) }
    }

    /// Removes a file (if present) and fsyncs its directory.
    public static func remove(_ path: String) throws(HostIOError) {
        if unlink(path) != 0 {
            guard errno == ENOENT else { throw .system(operation: "remove", path: path, errno: errno) }
            return
        }
        try syncDirectory(Path.directory(path))
    }

    /// Removes temporary files a killed writer left beside `path`.
    public static func removeStaleTemporaries(for path: String) {
        let (directory, prefix) = temporaryPrefix(for: path)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix(prefix) {
            unlink("\(directory)/\(name)")
        }
    }
}
