import Basics
#if canImport(Glibc)
import Glibc
#endif

/// The disk under a root directory, as the box the root holds would see it, and nothing
/// outside it. Paths are given as the engines form them (`ROOT/etc/hostname`); each is
/// resolved component by component from a descriptor of the root (`openat` with
/// `O_NOFOLLOW`, never the kernel's view from `/`): a symbolic link inside the root is read
/// and followed as the box would follow it, an absolute target from the root and `..` never
/// above it, 40 links at most. Every change is made through the descriptor of the directory
/// that holds it (`renameat`, `unlinkat`, `symlinkat`, `mkdirat`), so a link planted in the
/// root (`etc/netplan -> /etc/netplan`, or `-> ../../..`) can make a write land elsewhere
/// inside the root, never outside it. A path that is not under the root is refused.
/// Writes are crash-safe as `AtomicFile`'s are: temporary file beside the target, fsync,
/// rename, directory fsync.
public struct RootedFileSystem: FileSystem {
    /// The root, absolute, without a trailing slash.
    public let root: String
    /// Files outside the root that the operator named explicitly (`rollback --grubenv FILE`):
    /// these exact paths, and no others, are read and written where they are.
    public let namedOutside: Set<String>
    let local = LocalFileSystem()

    /// `root` relative to the working directory is made absolute.
    public init(root: String, namedOutside: Set<String> = []) {
        var trimmed = root.hasPrefix("/") ? root : Path.currentDirectory() + "/" + root
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.root = trimmed
        self.namedOutside = namedOutside
    }

    /// How many symbolic links one resolution may follow (the kernel's limit).
    static let maximumLinks = 40

    // MARK: Resolution

    /// The path inside the root ("/etc/hostname"), or nil when `path` is not under the root.
    func inside(_ path: String) -> String? {
        if path == root { return "/" }
        guard path.hasPrefix(root + "/") else { return nil }
        return String(path.dropFirst(root.count))
    }

    func outside(_ operation: String, _ path: String) -> HostIOError {
        .system(operation: "\(operation) (it is outside the root \(root))", path: path, errno: EXDEV)
    }

    /// The root's descriptor; a missing root is made when directories are being made.
    func openRoot(create: Bool) throws(HostIOError) -> Int32 {
        var fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 && errno == ENOENT && create {
            try AtomicFile.makeDirectory(root, mode: 0o755)
            fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }
        guard fd >= 0 else { throw .system(operation: "open the root", path: root, errno: errno) }
        return fd
    }

    /// A descriptor of the directory `components` lead to from the root, every link followed
    /// as the box would follow it. With `create`, missing directories are made (and their
    /// parents fsynced). The caller closes the descriptor.
    func directory(_ components: [Substring], create mode: mode_t?, path: String, links: inout Int) throws(HostIOError) -> Int32 {
        var stack = [try openRoot(create: mode != nil)]
        var result: Int32 = -1
        // Every descriptor but the one returned is closed, whether this returns or throws.
        defer { for fd in stack where fd != result { close(fd) } }
        var queue = components[...]
        while let component = queue.popFirst() {
            if component.isEmpty || component == "." { continue }
            if component == ".." {
                if stack.count > 1 { close(stack.removeLast()) }
                continue
            }
            let current = stack[stack.count - 1]
            let name = String(component)
            var status = stat()
            if fstatat(current, name, &status, AT_SYMLINK_NOFOLLOW) != 0 {
                let code = errno
                guard code == ENOENT, let mode else { throw .system(operation: "resolve", path: path, errno: code) }
                if mkdirat(current, name, mode) != 0 && errno != EEXIST { throw .system(operation: "create directory", path: path, errno: errno) }
                guard fsync(current) == 0 else { throw .system(operation: "fsync directory", path: path, errno: errno) }
            } else if (status.st_mode & S_IFMT) == S_IFLNK {
                links += 1
                guard links <= Self.maximumLinks else { throw .system(operation: "resolve", path: path, errno: ELOOP) }
                let target = try Self.readLink(current, name, path: path)
                if target.hasPrefix("/") {
                    for fd in stack.dropFirst() { close(fd) }
                    stack.removeSubrange(1...)
                }
                queue = (target.split(separator: "/", omittingEmptySubsequences: true) + queue)[...]
                continue
            } else if (status.st_mode & S_IFMT) != S_IFDIR {
                throw .system(operation: "resolve", path: path, errno: ENOTDIR)
            }
            // O_NOFOLLOW: if the entry was swapped for a link since the fstatat, this fails
            // instead of following it.
            let next = openat(current, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard next >= 0 else { throw .system(operation: "resolve", path: path, errno: errno) }
            stack.append(next)
        }
        result = stack[stack.count - 1]
        return result
    }

    /// The directory holding the final component of `path`, and that component's name. With
    /// `followFinal`, a final symbolic link is resolved (inside the root) first.
    func parent(of path: String, followFinal: Bool, create mode: mode_t? = nil) throws(HostIOError) -> (fd: Int32, name: String) {
        guard var within = inside(path) else { throw outside("reach", path) }
        var links = 0
        while true {
            var components = within.split(separator: "/", omittingEmptySubsequences: true)
            guard let last = components.popLast(), last != ".", last != ".." else {
                throw .system(operation: "resolve (the path must end in a name)", path: path, errno: EINVAL)
            }
            let fd = try directory(components, create: mode, path: path, links: &links)
            let name = String(last)
            guard followFinal else { return (fd, name) }
            var status = stat()
            guard fstatat(fd, name, &status, AT_SYMLINK_NOFOLLOW) == 0, (status.st_mode & S_IFMT) == S_IFLNK else { return (fd, name) }
            links += 1
            let target: String
            do throws(HostIOError) {
                guard links <= Self.maximumLinks else { throw .system(operation: "resolve", path: path, errno: ELOOP) }
                target = try Self.readLink(fd, name, path: path)
            } catch {
                close(fd)
                throw error
            }
            close(fd)
            within = target.hasPrefix("/") ? target : "/" + components.joined(separator: "/") + "/" + target
        }
    }

    static func readLink(_ directory: Int32, _ name: String, path: String) throws(HostIOError) -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { readlinkat(directory, name, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count) }
        guard count >= 0 else { throw .system(operation: "read link", path: path, errno: errno) }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    func withParent<T>(_ path: String, followFinal: Bool, create mode: mode_t? = nil,
                       _ body: (Int32, String) throws(HostIOError) -> T) throws(HostIOError) -> T {
        let (fd, name) = try parent(of: path, followFinal: followFinal, create: mode)
        defer { close(fd) }
        return try body(fd, name)
    }

    func status(_ path: String, followFinal: Bool) -> stat? {
        try? withParent(path, followFinal: followFinal) { fd, name throws(HostIOError) in
            var status = stat()
            guard fstatat(fd, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else { throw .system(operation: "stat", path: path, errno: errno) }
            return status
        }
    }

    // MARK: Reads

    public func contents(_ path: String) -> [UInt8]? {
        if namedOutside.contains(path) { return local.contents(path) }
        return try? withParent(path, followFinal: true) { directory, name throws(HostIOError) in
            let fd = openat(directory, name, BoundedFile.readFlags | O_NOFOLLOW)
            guard fd >= 0 else { throw .system(operation: "open", path: path, errno: errno) }
            defer { close(fd) }
            guard case .bytes(let bytes) = BoundedFile.read(descriptor: fd, limit: .max) else { throw .system(operation: "read", path: path, errno: EINVAL) }
            return bytes
        }
    }

    public func kind(_ path: String) -> FileKind? {
        if namedOutside.contains(path) { return local.kind(path) }
        if inside(path) == "/" { return FileInfo.isDirectory(root) ? .directory : nil }
        guard let status = status(path, followFinal: false) else { return nil }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        default: return .other
        }
    }

    public func permissions(_ path: String) -> UInt32? {
        if namedOutside.contains(path) { return local.permissions(path) }
        return status(path, followFinal: true).map { UInt32($0.st_mode & 0o7777) }
    }

    public func list(_ path: String) throws(HostIOError) -> [String] {
        guard let within = inside(path) else { throw outside("list", path) }
        var links = 0
        let fd = try directory(within.split(separator: "/"), create: nil, path: path, links: &links)
        guard let handle = fdopendir(fd) else {
            let code = errno
            close(fd)
            throw .system(operation: "list", path: path, errno: code)
        }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public func linkTarget(_ path: String) -> String? {
        if namedOutside.contains(path) { return local.linkTarget(path) }
        return try? withParent(path, followFinal: false) { fd, name throws(HostIOError) in try Self.readLink(fd, name, path: path) }
    }

    public func stamp(_ path: String) -> String? {
        if namedOutside.contains(path) { return local.stamp(path) }
        return status(path, followFinal: false).map { "\($0.st_ino) \($0.st_size) \($0.st_mtim.tv_sec).\($0.st_mtim.tv_nsec) \($0.st_mode)" }
    }

    // MARK: Changes

    static func temporaryName(_ name: String) -> String {
        ".\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    public func write(_ bytes: [UInt8], to path: String, mode: UInt32) throws(HostIOError) {
        if namedOutside.contains(path) { return try local.write(bytes, to: path, mode: mode) }
        try withParent(path, followFinal: false) { directory, name throws(HostIOError) in
            let temporary = Self.temporaryName(name)
            let fd = openat(directory, temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode_t(mode))
            guard fd >= 0 else { throw .system(operation: "create", path: path, errno: errno) }
            let failure = BoundedFile.fill(fd, with: bytes, mode: mode_t(mode), path: path)
            if let failure {
                unlinkat(directory, temporary, 0)
                throw failure
            }
            try Self.rename(directory, temporary, into: directory, name, path: path)
        }
    }

    static func rename(_ from: Int32, _ fromName: String, into to: Int32, _ toName: String, path: String) throws(HostIOError) {
        guard renameat(from, fromName, to, toName) == 0 else {
            let code = errno
            unlinkat(from, fromName, 0)
            throw .system(operation: "rename into place", path: path, errno: code)
        }
        guard fsync(to) == 0 else { throw .system(operation: "fsync directory", path: path, errno: errno) }
        if from != to, fsync(from) != 0 { throw .system(operation: "fsync directory", path: path, errno: errno) }
    }

    public func symlink(_ target: String, at path: String) throws(HostIOError) {
        try withParent(path, followFinal: false) { directory, name throws(HostIOError) in
            let temporary = Self.temporaryName(name)
            guard symlinkat(target, directory, temporary) == 0 else { throw .system(operation: "create symlink", path: path, errno: errno) }
            try Self.rename(directory, temporary, into: directory, name, path: path)
        }
    }

    public func makeDirectory(_ path: String, mode: UInt32) throws(HostIOError) {
        guard let within = inside(path) else { throw outside("create directory", path) }
        var links = 0
        close(try directory(within.split(separator: "/"), create: mode_t(mode), path: path, links: &links))
    }

    public func move(_ source: String, to destination: String) throws(HostIOError) {
        try withParent(source, followFinal: false) { from, fromName throws(HostIOError) in
            try withParent(destination, followFinal: false) { to, toName throws(HostIOError) in
                guard renameat(from, fromName, to, toName) == 0 else { throw .system(operation: "rename into place", path: destination, errno: errno) }
                guard fsync(to) == 0, fsync(from) == 0 else { throw .system(operation: "fsync directory", path: destination, errno: errno) }
            }
        }
    }

    public func remove(_ path: String) throws(HostIOError) {
        if namedOutside.contains(path) { return try local.remove(path) }
        try withParent(path, followFinal: false) { directory, name throws(HostIOError) in
            if unlinkat(directory, name, 0) != 0 {
                guard errno == ENOENT else { throw .system(operation: "remove", path: path, errno: errno) }
                return
            }
            guard fsync(directory) == 0 else { throw .system(operation: "fsync directory", path: path, errno: errno) }
        }
    }

    public func removeTree(_ path: String) throws(HostIOError) {
        try withParent(path, followFinal: false) { directory, name throws(HostIOError) in
            var status = stat()
            guard fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else {
                guard errno == ENOENT else { throw .system(operation: "remove", path: path, errno: errno) }
                return
            }
            try Self.removeEntry(directory, name, isDirectory: (status.st_mode & S_IFMT) == S_IFDIR, path: path)
            guard fsync(directory) == 0 else { throw .system(operation: "fsync directory", path: path, errno: errno) }
        }
    }

    /// Removes one entry of `directory`; a directory's contents first, through its own
    /// descriptor (links inside are removed, never followed).
    static func removeEntry(_ directory: Int32, _ name: String, isDirectory: Bool, path: String) throws(HostIOError) {
        if isDirectory {
            let fd = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { throw .system(operation: "remove", path: path, errno: errno) }
            guard let handle = fdopendir(fd) else {
                close(fd)
                throw .system(operation: "remove", path: path, errno: errno)
            }
            defer { closedir(handle) }
            var entries: [(String, Bool)] = []
            while let entry = readdir(handle) {
                let child = withUnsafeBytes(of: entry.pointee.d_name) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
                guard child != "." && child != ".." else { continue }
                var status = stat()
                guard fstatat(fd, child, &status, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
                entries.append((child, (status.st_mode & S_IFMT) == S_IFDIR))
            }
            for (child, childIsDirectory) in entries {
                try removeEntry(fd, child, isDirectory: childIsDirectory, path: path + "/" + child)
            }
            guard unlinkat(directory, name, AT_REMOVEDIR) == 0 else { throw .system(operation: "remove", path: path, errno: errno) }
        } else {
            guard unlinkat(directory, name, 0) == 0 || errno == ENOENT else { throw .system(operation: "remove", path: path, errno: errno) }
        }
    }

    public func removeStaleTemporaries(for path: String) {
        if namedOutside.contains(path) { return local.removeStaleTemporaries(for: path) }
        try? withParent(path, followFinal: false) { directory, name throws(HostIOError) in
            let prefix = ".\(name).tmp-"
            let fd = dup(directory)
            guard fd >= 0, let handle = fdopendir(fd) else { return }
            defer { closedir(handle) }
            var stale: [String] = []
            while let entry = readdir(handle) {
                let child = withUnsafeBytes(of: entry.pointee.d_name) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
                if child.hasPrefix(prefix) { stale.append(child) }
            }
            for child in stale { unlinkat(directory, child, 0) }
        }
    }

    public func lock(_ path: String) throws(HostIOError) -> FileSystemLock {
        try withParent(path, followFinal: false) { directory, name throws(HostIOError) in
            let fd = openat(directory, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
            guard fd >= 0 else { throw .system(operation: "open lock file", path: path, errno: errno) }
            switch try FileLock.acquire(descriptor: fd, path: path) {
            case .acquired(let lock): return .acquired(holder: lock)
            case .busy(let holder): return .busy(holder: holder)
            }
        }
    }
}
