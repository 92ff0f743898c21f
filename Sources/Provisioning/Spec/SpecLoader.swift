import Basics
import HostIO
import SiteSpec

/// Reads and validates a spec file; the time zone check looks in the target root's zoneinfo
/// database, falling back to the running system's.
package enum SpecLoader {
    /// A spec read and validated, with the bytes it came from (their sha256 names the
    /// configuration in the journal).
    package struct Loaded: Sendable {
        package var spec: SiteSpec
        package var bytes: [UInt8]

        package init(spec: SiteSpec, bytes: [UInt8]) {
            self.spec = spec
            self.bytes = bytes
        }
    }

    /// Reads the spec at `path`: a regular file of at most 1 MiB (a FIFO is never opened for
    /// reading), under the context's root when it is there.
    package static func load(_ path: String, context: ProvisionContext) throws(ProvisionError) -> Loaded {
        if context.files.kind(path) == .other { throw .noSpec("the site spec \(path) is not a regular file") }
        guard let bytes = context.files.contents(path) else {
            throw .noSpec("cannot read the site spec \(path)")
        }
        return Loaded(spec: try parse(bytes, name: path, context: context), bytes: bytes)
    }

    /// Validates spec bytes read from elsewhere (a volume); `name` is how problems name it.
    package static func parse(_ bytes: [UInt8], name: String, context: ProvisionContext) throws(ProvisionError) -> SiteSpec {
        // The root's own database, read through the context's file system (never led out of the
        // root), then the running system's.
        let zoneDirectories: [(String, any FileSystem)] = (context.root.isEmpty ? [] : [("\(context.root)/usr/share/zoneinfo", context.files)])
            + [("/usr/share/zoneinfo", LocalFileSystem())]
        do {
            return try SiteSpec.parse(bytes, file: name) { zone in
                zoneDirectories.contains { isZoneFile(zone, in: $0.0, files: $0.1) }
            }
        } catch {
            throw .invalidSpec(error)
        }
    }

    /// Whether `zone` names a compiled zone (a TZif file) of the zoneinfo database at
    /// `directory`: `localtime` (a link out of the database) and `leapseconds` (a text table)
    /// are files there but not zones. Links are followed only while they stay inside.
    static func isZoneFile(_ zone: String, in directory: String, files: any FileSystem) -> Bool {
        var relative = zone
        for _ in 0..<8 {
            let path = "\(directory)/\(relative)"
            switch files.kind(path) {
            case .file?:
                return files.contents(path).map { $0.starts(with: Array("TZif".utf8)) } ?? false
            case .symlink?:
                guard let target = files.linkTarget(path), Path.staysInside(target, from: Path.parent(relative)) else { return false }
                let joined = Path.parent(relative).isEmpty ? target : "\(Path.parent(relative))/\(target)"
                relative = joined.split(separator: "/").reduce(into: [Substring]()) { parts, part in
                    if part == ".." { parts.removeLast() } else if part != "." { parts.append(part) }
                }.joined(separator: "/")
            default:
                return false
            }
        }
        return false
    }
}
