/// What engines need from a file system, as one seam: whole-file reads, crash-safe writes
/// (every mutation is durable when it returns, as `AtomicFile` makes it), directories,
/// symbolic links and an exclusive lock. `LocalFileSystem` is the real one;
/// `InMemoryFileSystem` runs an engine's rules in a test in milliseconds, and can refuse
/// every mutation after the N-th to stand for a power cut at that step.
///
/// Paths are absolute strings. Reads follow symbolic links like `open(2)`, except `kind`,
/// `linkTarget` and `stamp`, which look at the link itself (`lstat(2)`).
public protocol FileSystem: Sendable {
    /// The file's bytes; nil when it does not exist or cannot be read as a file.
    func contents(_ path: String) -> [UInt8]?
    /// What is at `path` itself (not following a final symbolic link); nil when nothing is.
    func kind(_ path: String) -> FileKind?
    /// Permission bits of the file `path` names (following links); nil when nothing is there.
    func permissions(_ path: String) -> UInt32?
    /// Names in a directory (no "." or ".."), in no particular order.
    func list(_ path: String) throws(HostIOError) -> [String]
    /// Where a symbolic link points; nil when `path` is not a link.
    func linkTarget(_ path: String) -> String?
    /// Changes whenever the entry at `path` is replaced or rewritten (identity, size, time,
    /// mode): lets a reader cache what it parsed.
    func stamp(_ path: String) -> String?

    /// Replaces `path` with `bytes` and `mode` (temporary file, fsync, rename, directory fsync).
    func write(_ bytes: [UInt8], to path: String, mode: UInt32) throws(HostIOError)
    /// Replaces `path` with a symbolic link to `target`, atomically.
    func symlink(_ target: String, at path: String) throws(HostIOError)
    /// Creates `path` and its missing parents.
    func makeDirectory(_ path: String, mode: UInt32) throws(HostIOError)
    /// Renames within one file system (atomic, both directories fsynced).
    func move(_ source: String, to destination: String) throws(HostIOError)
    /// Removes a file or link (nothing when absent), durably.
    func remove(_ path: String) throws(HostIOError)
    /// Removes a directory tree (nothing when absent), durably.
    func removeTree(_ path: String) throws(HostIOError)
    /// Removes the temporaries a killed writer left beside `path`.
    func removeStaleTemporaries(for path: String)
    /// An exclusive lock held until the returned holder is released; `nil` holder means busy
    /// (with the holder's pid when known).
    func lock(_ path: String) throws(HostIOError) -> FileSystemLock
}

public enum FileKind: Sendable, Equatable {
    case file, directory, symlink, other
}

/// The outcome of `FileSystem.lock`: held for the life of `holder`, or busy.
public enum FileSystemLock {
    case acquired(holder: AnyObject)
    case busy(holder: String?)
}

extension FileSystem {
    public func exists(_ path: String) -> Bool { kind(path) != nil }

    /// Whether `path` names (through links) a regular file.
    public func isFile(_ path: String) -> Bool {
        kind(path) == .file || (kind(path) == .symlink && contents(path) != nil)
    }

    public func isDirectory(_ path: String) -> Bool {
        if kind(path) == .directory { return true }
        guard kind(path) == .symlink else { return false }
        return (try? list(path)) != nil
    }

    /// The file's text (UTF-8, invalid bytes replaced); nil when it cannot be read.
    public func text(_ path: String) -> String? {
        contents(path).map { String(decoding: $0, as: UTF8.self) }
    }
}
