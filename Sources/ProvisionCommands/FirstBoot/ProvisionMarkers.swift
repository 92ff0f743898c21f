import Basics
import FoundationEssentials
import HostIO

/// The files the units' conditions test: `configured` once the first boot's work is durable,
/// `registered` once the dashboard accepted the box. Written by `provision` itself, crash-safe,
/// only after what they stand for is done.
enum ProvisionMarkers {
    static let configured = Journal.directory + "/configured"
    static let registered = Journal.directory + "/registered"

    static func exists(_ marker: String, root: String) -> Bool {
        FileManager.default.fileExists(atPath: root + marker)
    }

    static func write(_ marker: String, root: String, detail: String) throws(HostIOError) {
        try AtomicFile.makeDirectory(root + Journal.directory, mode: 0o700)
        try AtomicFile.write(Array("\(detail)\nat \(Timestamp.iso8601(Date()))\n".utf8), to: root + marker, mode: 0o600)
    }
}
