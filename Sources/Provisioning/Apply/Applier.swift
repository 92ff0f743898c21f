import Basics
import BoxConfig
import Hashing
import HostIO

/// Applies a `FilePlan` under a root directory, crash-safely: stale temporaries from a killed
/// run are cleared, every replaced or removed file is backed up once (the image's original,
/// never our own output), each write is temp + fsync + rename + directory fsync (the
/// `FileSystem`'s promise), and the journal records a step only after that. Running it again
/// after SIGKILL (or a power cut) at any point converges to the same files.
package struct Applier {
    package let context: ProvisionContext

    package init(context: ProvisionContext) { self.context = context }

    var files: any FileSystem { context.files }
    var stateDirectory: String { context.path(Journal.directory) }
    var backupDirectory: String { stateDirectory + "/backup" }

    /// Clears what a killed run may have left beside the state files.
    package func removeStaleStateTemporaries() {
        files.removeStaleTemporaries(for: Journal.path(root: context.root))
        files.removeStaleTemporaries(for: stateDirectory + "/machine-id.new")
    }

    /// Writes each action of `plan` that is not already in place, journaling it once durable.
    package func apply(_ plan: FilePlan, journal: inout Journal) throws(ProvisionError) {
        var digests: [String] = []
        for action in plan.actions { digests.append(try Self.digest(of: action)) }
        do throws(HostIOError) { try write(plan, digests: digests, journal: &journal) }
        catch { throw .cannotWrite(error.description) }
    }

    func write(_ plan: FilePlan, digests: [String], journal: inout Journal) throws(HostIOError) {
        try files.makeDirectory(stateDirectory, mode: 0o700)
        for (action, digest) in zip(plan.actions, digests) {
            let target = context.path(action.path)
            files.removeStaleTemporaries(for: target)
            if isInPlace(action, target: target) {
                if journal.steps[action.path]?.digest != digest {
                    journal.steps[action.path] = .init(digest: digest, at: context.timestamp())
                    try journal.save(context)
                }
                continue
            }
            try backUp(target, as: action.path)
            context.crashPoints.hit("after-backup \(action.path)")
            switch action {
            case .write(_, let contents, let mode):
                try files.makeDirectory(Path.parent(target), mode: 0o755)
                try files.write(contents, to: target, mode: UInt32(mode))
            case .symlink(_, let destination):
                try files.makeDirectory(Path.parent(target), mode: 0o755)
                try files.symlink(destination, at: target)
            case .remove:
                try files.remove(target)
            }
            context.crashPoints.hit("after-write \(action.path)")
            journal.steps[action.path] = .init(digest: digest, at: context.timestamp())
            try journal.save(context)
            context.crashPoints.hit("after-journal \(action.path)")
        }
    }

    func isInPlace(_ action: FilePlan.Action, target: String) -> Bool {
        switch action {
        case .write(_, let contents, let mode):
            guard files.contents(target) == contents else { return false }
            return files.permissions(target) == UInt32(mode)
        case .symlink(_, let destination):
            return files.linkTarget(target) == destination
        case .remove:
            return files.kind(target) == nil
        }
    }

    /// Keeps the first version of a file we replace or remove (the image's), never our own.
    func backUp(_ target: String, as path: String) throws(HostIOError) {
        guard files.kind(target) != nil else { return }
        let backup = backupDirectory + path
        files.removeStaleTemporaries(for: backup)
        guard files.kind(backup) == nil else { return }
        try files.makeDirectory(Path.parent(backup), mode: 0o700)
        if let destination = files.linkTarget(target) {
            try files.symlink(destination, at: backup)
        } else if let data = files.contents(target) {
            try files.write(data, to: backup, mode: 0o600)
        }
    }

    static func digest(of action: FilePlan.Action) throws(ProvisionError) -> String {
        switch action {
        case .write(_, let contents, let mode): return try hex(contents + Array("mode \(String(mode, radix: 8))".utf8))
        case .symlink(_, let destination): return try hex(Array("symlink \(destination)".utf8))
        case .remove: return "removed"
        }
    }

    /// sha256 in hex; a hashing failure (OpenSSL unusable) stops provisioning rather than
    /// journaling steps under an empty digest.
    static func hex(_ bytes: [UInt8]) throws(ProvisionError) -> String {
        do { return try Hash.hex(bytes) } catch { throw .unavailable("cannot compute a sha256 with OpenSSL: \(error)") }
    }
}
