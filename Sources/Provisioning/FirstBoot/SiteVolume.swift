import Basics
import FoundationEssentials
import HostIO
#if canImport(Glibc)
import Glibc
#endif

/// Finds the site spec on a removable volume (a USB stick, or a CD/ISO seed) whose file
/// system carries one of `labels`, and reads `site_spec.json` from its top directory. The
/// volume is mounted read-only under `mountDirectory` only for the read, and unmounted after.
package struct SiteVolume {
    package static let fileName = "site_spec.json"
    static let maxBytes = 1 << 20

    package struct Found: Equatable {
        package var label: String
        package var device: String
        package var bytes: [UInt8]
        /// How the spec is named in messages: `site_spec.json on EDGE-SITE (/dev/sdb1)`.
        package var name: String { "\(SiteVolume.fileName) on \(label) (\(device))" }
    }

    package var access: any VolumeAccess
    package var labels: [String]
    package var mountDirectory: String
    /// Waits between looks for the volume to appear.
    package var sleeper: any Sleeper = ThreadSleeper()

    package init(access: any VolumeAccess, labels: [String], mountDirectory: String, sleeper: any Sleeper = ThreadSleeper()) {
        self.access = access
        self.labels = labels
        self.mountDirectory = mountDirectory
        self.sleeper = sleeper
    }

    /// The first labelled volume present within `wait` seconds (looked for every half
    /// second), or nil when none appeared. Throws when a volume is there but its spec cannot
    /// be read.
    package func read(wait: Double) throws(VolumeError) -> Found? {
        var waited = 0.0
        while true {
            for label in labels {
                if let device = access.device(label: label) {
                    return try read(device: device, label: label)
                }
            }
            guard waited < wait else { return nil }
            sleeper.sleep(seconds: 0.5)
            waited += 0.5
        }
    }

    func read(device: String, label: String) throws(VolumeError) -> Found {
        do { try AtomicFile.makeDirectory(mountDirectory, mode: 0o700) }
        catch { throw VolumeError(description: "cannot prepare \(mountDirectory): \(error)") }
        try access.mount(device, at: mountDirectory)
        defer { access.unmount(mountDirectory) }
        let bytes = try Self.readSpec(in: mountDirectory, label: label, device: device)
        return Found(label: label, device: device, bytes: bytes)
    }

    /// `site_spec.json` must be a regular file in the volume's top directory (never a link
    /// out of it), at most 1 MiB.
    static func readSpec(in directory: String, label: String, device: String) throws(VolumeError) -> [UInt8] {
        let where_ = "\(label) (\(device))"
        let fd = open(directory + "/" + fileName, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw VolumeError(description: "the volume \(where_) has no \(fileName) in its top directory") }
            if code == ELOOP { throw VolumeError(description: "\(fileName) on \(where_) is a symbolic link; expected a regular file") }
            throw VolumeError(description: "cannot open \(fileName) on \(where_): \(String(cString: strerror(code)))")
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            throw VolumeError(description: "\(fileName) on \(where_) is not a regular file")
        }
        guard status.st_size <= maxBytes else {
            throw VolumeError(description: "\(fileName) on \(where_) is \(status.st_size) bytes; a site spec is at most \(maxBytes)")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw VolumeError(description: "cannot read \(fileName) on \(where_): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
            if bytes.count > maxBytes { throw VolumeError(description: "\(fileName) on \(where_) is larger than \(maxBytes) bytes") }
        }
        return bytes
    }
}
