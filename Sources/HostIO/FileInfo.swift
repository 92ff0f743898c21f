#if canImport(Glibc)
import Glibc
#endif

/// What a path is, without Foundation's `ObjCBool` out-parameters. Symlinks are followed,
/// as `FileManager.fileExists(atPath:isDirectory:)` does.
public enum FileInfo {
    public static func isDirectory(_ path: String) -> Bool { kind(path) == S_IFDIR }
    public static func isRegularFile(_ path: String) -> Bool { kind(path) == S_IFREG }

    /// The permission bits (following links); nil when the path cannot be examined.
    public static func permissions(_ path: String) -> UInt32? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return UInt32(status.st_mode & 0o7777)
    }

    static func kind(_ path: String) -> mode_t? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return status.st_mode & S_IFMT
    }
}
