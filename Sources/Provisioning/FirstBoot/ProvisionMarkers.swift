import Basics
import HostIO

/// The files the units' conditions test: `configured` once the first boot's work is durable,
/// `registered` once the dashboard accepted the box. Written by `provision` itself, crash-safe,
/// only after what they stand for is done.
package enum ProvisionMarkers {
    package static let configured = Journal.directory + "/configured"
    package static let registered = Journal.directory + "/registered"

    package static func exists(_ marker: String, _ context: ProvisionContext) -> Bool {
        context.files.exists(context.path(marker))
    }

    package static func write(_ marker: String, _ context: ProvisionContext, detail: String) throws(HostIOError) {
        try context.files.makeDirectory(context.path(Journal.directory), mode: 0o700)
        try context.files.write(Array("\(detail)\nat \(context.timestamp())\n".utf8), to: context.path(marker), mode: 0o600)
    }
}
