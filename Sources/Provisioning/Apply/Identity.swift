import Basics
import HostIO

/// The box's new machine id, chosen once.
package enum Identity {
    /// A machine id candidate stored in the state directory before it is used.
    static func machineIDCandidate(_ context: ProvisionContext) throws(HostIOError) -> String {
        let path = context.path(Journal.directory) + "/machine-id.new"
        if let text = context.files.text(path)?.trimmed, text.count == 32, text.allSatisfy(\.isASCIIHexDigit) { return text }
        let fresh = context.newMachineID()
        try context.files.write(Array((fresh + "\n").utf8), to: path, mode: 0o600)
        return fresh
    }
}
