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
    }

    package static func load(_ path: String, context: ProvisionContext) throws(ProvisionError) -> Loaded {
        guard let bytes = context.files.contents(path) else {
            throw .noSpec("cannot read the site spec \(path)")
        }
        return Loaded(spec: try parse(bytes, name: path, context: context), bytes: bytes)
    }

    /// Validates spec bytes read from elsewhere (a volume); `name` is how problems name it.
    package static func parse(_ bytes: [UInt8], name: String, context: ProvisionContext) throws(ProvisionError) -> SiteSpec {
        let zoneDirectories = [context.root.isEmpty ? nil : "\(context.root)/usr/share/zoneinfo", "/usr/share/zoneinfo"].compactMap { $0 }
        do {
            return try SiteSpec.parse(bytes, file: name) { zone in
                zoneDirectories.contains { FileInfo.isRegularFile("\($0)/\(zone)") }
            }
        } catch {
            throw .invalidSpec(error.description)
        }
    }
}
