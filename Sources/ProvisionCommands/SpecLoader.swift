import ArgumentParser
import Basics
import FoundationEssentials
import HostIO
import SiteSpec

/// Reads and validates a spec file; the time zone check looks in the target root's zoneinfo
/// database, falling back to the running system's.
enum SpecLoader {
    struct Failure: Error {
        var status: ExitStatus
        var message: String
    }

    static func load(_ path: String, root: String?) throws(Failure) -> SiteSpec {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(status: .noInput, message: "cannot read the site spec \(path)")
        }
        return try parse(Array(data), name: path, root: root)
    }

    /// Validates spec bytes read from elsewhere (a volume); `name` is how problems name it.
    static func parse(_ bytes: [UInt8], name: String, root: String?) throws(Failure) -> SiteSpec {
        let zoneDirectories = [root.map { "\($0)/usr/share/zoneinfo" }, "/usr/share/zoneinfo"].compactMap { $0 }
        do {
            return try SiteSpec.parse(bytes, file: name) { zone in
                zoneDirectories.contains { FileInfo.isRegularFile("\($0)/\(zone)") }
            }
        } catch {
            throw Failure(status: .dataError, message: error.description)
        }
    }

    /// For commands: prints the problem and exits with its status.
    static func loadOrExit(_ path: String, root: String) throws -> SiteSpec {
        do { return try load(path, root: root.isEmpty ? nil : root) }
        catch {
            StandardStreams.error("provision: \(error.message)\n")
            throw ExitCode(error.status.rawValue)
        }
    }
}
