import Basics
#if canImport(Glibc)
import Glibc
#endif

/// A file system in memory, for running an engine's rules in-process. Every mutation is
/// atomic, as `LocalFileSystem`'s are, so the tree at any moment is exactly what a power cut
/// would leave. `failingAfter(n)` makes every mutation after the first `n` fail (EIO): the
/// engine stops where a killed process would, and `copy()` is the disk the next boot finds.
/// Links are followed in every component but the last, as the kernel does (40 hops at most).
public final class InMemoryFileSystem: FileSystem, @unchecked Sendable {
    public enum Node: Equatable, Sendable {
        case file([UInt8], mode: UInt32)
        case directory(mode: UInt32)
        case symlink(String)
    }

    private let mutex = Lock()
    private var nodes: [String: Node] = ["/": .directory(mode: 0o755)]
    private var versions: [String: Int] = [:]
    private var generation = 0
    private var held: Set<String> = []
    /// Mutations allowed before every further one fails; nil for no limit.
    private var remainingMutations: Int?
    /// How many mutations have succeeded so far.
    public private(set) var mutations = 0

    public init() {}

    /// A copy of the current tree, with no failure planned: what the next run finds.
    public func copy() -> InMemoryFileSystem {
        let other = InMemoryFileSystem()
        mutex.withLock {
            other.nodes = nodes
            other.versions = versions
            other.generation = generation
        }
        return other
    }

    /// From now on, `count` more mutations succeed and every later one fails.
    public func failingAfter(_ count: Int) -> InMemoryFileSystem {
        mutex.withLock { remainingMutations = count }
        return self
    }

    /// Every entry, for comparing two trees: path -> node.
    public var tree: [String: Node] { mutex.withLock { nodes } }

    // MARK: Paths

    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." && !part.isEmpty {
            if part == ".." { if !parts.isEmpty { parts.removeLast() } } else { parts.append(part) }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// The path with every link resolved (the last component only when `followLast`).
    private func resolve(_ path: String, followLast: Bool, hops: Int = 0) -> String? {
        guard hops < 40 else { return nil }
        let parts = Self.normalize(path).split(separator: "/").map(String.init)
        var current = "/"
        for (index, part) in parts.enumerated() {
            let next = current == "/" ? "/" + part : current + "/" + part
            let isLast = index == parts.count - 1
            if case .symlink(let target)? = nodes[next], !isLast || followLast {
                let base = target.hasPrefix("/") ? target : (current == "/" ? "/" : current + "/") + target
                let rest = parts[(index + 1)...].joined(separator: "/")
                return resolve(rest.isEmpty ? base : base + "/" + rest, followLast: followLast, hops: hops + 1)
            }
            current = next
        }
        return current
    }

    private func parent(of path: String) -> String { Path.parent(path).isEmpty ? "/" : Path.parent(path) }

    private func mutate(_ operation: String, _ path: String, _ body: () throws(HostIOError) -> Void) throws(HostIOError) {
        try mutex.withLock { () throws(HostIOError) in
            if let remaining = remainingMutations {
                guard remaining > 0 else { throw .system(operation: operation, path: path, errno: EIO) }
                remainingMutations = remaining - 1
            }
            try body()
            mutations += 1
        }
    }

    private func place(_ node: Node, at path: String) {
        nodes[path] = node
        generation += 1
        versions[path] = generation
    }

    private func requireDirectory(_ path: String, for operation: String, target: String) throws(HostIOError) {
        guard case .directory? = nodes[path] else {
            throw .system(operation: operation, path: target, errno: nodes[path] == nil ? ENOENT : ENOTDIR)
        }
    }

    // MARK: Reads

    public func contents(_ path: String) -> [UInt8]? {
        mutex.withLock {
            guard let real = resolve(path, followLast: true), case .file(let bytes, _)? = nodes[real] else { return nil }
            return bytes
        }
    }

    public func kind(_ path: String) -> FileKind? {
        mutex.withLock {
            guard let real = resolve(path, followLast: false), let node = nodes[real] else { return nil }
            switch node {
            case .file: return .file
            case .directory: return .directory
            case .symlink: return .symlink
            }
        }
    }

    public func permissions(_ path: String) -> UInt32? {
        mutex.withLock {
            guard let real = resolve(path, followLast: true), let node = nodes[real] else { return nil }
            switch node {
            case .file(_, let mode), .directory(let mode): return mode
            case .symlink: return nil
            }
        }
    }

    public func list(_ path: String) throws(HostIOError) -> [String] {
        try mutex.withLock { () throws(HostIOError) -> [String] in
            guard let real = resolve(path, followLast: true) else { throw .system(operation: "list", path: path, errno: ELOOP) }
            try requireDirectory(real, for: "list", target: path)
            let prefix = real == "/" ? "/" : real + "/"
            return nodes.keys.filter { $0.hasPrefix(prefix) && $0 != real && !$0.dropFirst(prefix.count).contains("/") }
                .map { String($0.dropFirst(prefix.count)) }
        }
    }

    public func linkTarget(_ path: String) -> String? {
        mutex.withLock {
            guard let real = resolve(path, followLast: false), case .symlink(let target)? = nodes[real] else { return nil }
            return target
        }
    }

    public func stamp(_ path: String) -> String? {
        mutex.withLock {
            guard let real = resolve(path, followLast: false), nodes[real] != nil else { return nil }
            return "\(real) \(versions[real] ?? 0)"
        }
    }

    // MARK: Mutations

    private func resolvedEntry(_ path: String, for operation: String) throws(HostIOError) -> String {
        guard let real = resolve(path, followLast: false) else { throw .system(operation: operation, path: path, errno: ELOOP) }
        try requireDirectory(parent(of: real), for: operation, target: path)
        if case .directory? = nodes[real] { throw .system(operation: operation, path: path, errno: EISDIR) }
        return real
    }

    public func write(_ bytes: [UInt8], to path: String, mode: UInt32) throws(HostIOError) {
        try mutate("write", path) { () throws(HostIOError) in
            let real = try resolvedEntry(path, for: "write")
            place(.file(bytes, mode: mode), at: real)
        }
    }

    public func symlink(_ target: String, at path: String) throws(HostIOError) {
        try mutate("create symlink", path) { () throws(HostIOError) in
            let real = try resolvedEntry(path, for: "create symlink")
            place(.symlink(target), at: real)
        }
    }

    public func makeDirectory(_ path: String, mode: UInt32) throws(HostIOError) {
        let present = mutex.withLock { () -> Bool in
            guard let real = resolve(path, followLast: true), case .directory? = nodes[real] else { return false }
            return true
        }
        if present { return }
        let parentPath = parent(of: Self.normalize(path))
        if parentPath != Self.normalize(path) { try makeDirectory(parentPath, mode: mode) }
        try mutate("create directory", path) { () throws(HostIOError) in
            guard let real = resolve(path, followLast: true) else { throw .system(operation: "create directory", path: path, errno: ELOOP) }
            if case .directory? = nodes[real] { return }
            guard nodes[real] == nil else { throw .system(operation: "create directory", path: path, errno: EEXIST) }
            try requireDirectory(parent(of: real), for: "create directory", target: path)
            place(.directory(mode: mode), at: real)
        }
    }

    public func move(_ source: String, to destination: String) throws(HostIOError) {
        try mutate("rename into place", destination) { () throws(HostIOError) in
            guard let from = resolve(source, followLast: false), nodes[from] != nil else {
                throw .system(operation: "rename into place", path: destination, errno: ENOENT)
            }
            guard let to = resolve(destination, followLast: false) else { throw .system(operation: "rename into place", path: destination, errno: ELOOP) }
            try requireDirectory(parent(of: to), for: "rename into place", target: destination)
            if case .directory? = nodes[to], nodes.keys.contains(where: { $0.hasPrefix(to + "/") }) {
                throw .system(operation: "rename into place", path: destination, errno: ENOTEMPTY)
            }
            let moved = nodes.filter { $0.key == from || $0.key.hasPrefix(from + "/") }
            for key in moved.keys { nodes[key] = nil; versions[key] = nil }
            for (key, node) in moved { place(node, at: to + key.dropFirst(from.count)) }
        }
    }

    public func remove(_ path: String) throws(HostIOError) {
        try mutate("remove", path) { () throws(HostIOError) in
            guard let real = resolve(path, followLast: false), let node = nodes[real] else { return }
            if case .directory = node { throw .system(operation: "remove", path: path, errno: EISDIR) }
            nodes[real] = nil
            versions[real] = nil
        }
    }

    public func removeTree(_ path: String) throws(HostIOError) {
        try mutate("remove", path) { () throws(HostIOError) in
            guard let real = resolve(path, followLast: false), nodes[real] != nil else { return }
            for key in nodes.keys where key == real || key.hasPrefix(real + "/") { nodes[key] = nil; versions[key] = nil }
        }
    }

    public func removeStaleTemporaries(for path: String) {}

    public func lock(_ path: String) throws(HostIOError) -> FileSystemLock {
        let key = Self.normalize(path)
        return mutex.withLock {
            if held.contains(key) { return .busy(holder: nil) }
            held.insert(key)
            return .acquired(holder: Holder { [weak self] in self?.mutex.withLock { _ = self?.held.remove(key) } })
        }
    }

    final class Holder {
        let release: () -> Void
        init(release: @escaping () -> Void) { self.release = release }
        deinit { release() }
    }
}
