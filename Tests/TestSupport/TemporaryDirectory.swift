import Foundation

/// A fresh directory per test, removed when the value goes away.
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL
    public var path: String { url.path }

    public init(_ label: String = "test") throws {
        let base = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("edge-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        url = base
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    public func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    /// Writes `text` to `name`, whole: into a file of its own opened close-on-exec, then renamed
    /// into place. A script written so can be run at once: no child another thread spawns
    /// meanwhile keeps it open for writing past its exec (which would make running it fail
    /// with ETXTBSY, "Text file busy").
    public func write(_ name: String, _ text: String, mode: Int? = nil) throws -> String {
        let path = file(name)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let temporary = path + ".writing-\(UUID().uuidString.prefix(8))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(mode ?? 0o644))
        guard descriptor >= 0 else { throw FixtureError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                close(descriptor)
                throw FixtureError("cannot write \(temporary): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        close(descriptor)
        if let mode { try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: temporary) }
        guard rename(temporary, path) == 0 else { throw FixtureError("cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))") }
        return path
    }
}
