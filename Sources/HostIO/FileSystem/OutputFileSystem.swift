import Basics

/// What a command that reads an operator's inputs from anywhere and writes one output
/// directory works through (`imagesmith build`): reads outside the directory go to the
/// machine's file system as they are; everything inside it, and every change, goes through a
/// `RootedFileSystem` of the directory, so a link already in the output directory
/// (`out/scripts -> /etc`) can never lead a write out of it, and nothing is ever changed
/// outside it.
public struct OutputFileSystem: FileSystem {
    let inputs = LocalFileSystem()
    let output: RootedFileSystem

    public init(directory: String) { output = RootedFileSystem(root: directory) }

    /// The output directory, absolute.
    public var directory: String { output.root }

    func isOutput(_ path: String) -> Bool { output.inside(absolute(path)) != nil }

    /// Paths relative to the working directory, as an operator gives them.
    func absolute(_ path: String) -> String { path.hasPrefix("/") ? path : Path.currentDirectory() + "/" + path }

    func read<T>(_ path: String, _ body: (any FileSystem, String) -> T) -> T {
        isOutput(path) ? body(output, absolute(path)) : body(inputs, path)
    }

    public func contents(_ path: String) -> [UInt8]? { read(path) { $0.contents($1) } }
    public func kind(_ path: String) -> FileKind? { read(path) { $0.kind($1) } }
    public func permissions(_ path: String) -> UInt32? { read(path) { $0.permissions($1) } }
    public func linkTarget(_ path: String) -> String? { read(path) { $0.linkTarget($1) } }
    public func stamp(_ path: String) -> String? { read(path) { $0.stamp($1) } }
    public func list(_ path: String) throws(HostIOError) -> [String] {
        isOutput(path) ? try output.list(absolute(path)) : try inputs.list(path)
    }

    public func write(_ bytes: [UInt8], to path: String, mode: UInt32) throws(HostIOError) { try output.write(bytes, to: absolute(path), mode: mode) }
    public func symlink(_ target: String, at path: String) throws(HostIOError) { try output.symlink(target, at: absolute(path)) }
    public func makeDirectory(_ path: String, mode: UInt32) throws(HostIOError) { try output.makeDirectory(absolute(path), mode: mode) }
    public func move(_ source: String, to destination: String) throws(HostIOError) { try output.move(absolute(source), to: absolute(destination)) }
    public func remove(_ path: String) throws(HostIOError) { try output.remove(absolute(path)) }
    public func removeTree(_ path: String) throws(HostIOError) { try output.removeTree(absolute(path)) }
    public func removeStaleTemporaries(for path: String) { output.removeStaleTemporaries(for: absolute(path)) }
    public func lock(_ path: String) throws(HostIOError) -> FileSystemLock { try output.lock(absolute(path)) }
}
