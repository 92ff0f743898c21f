import Basics
import BoxConfig
import FoundationEssentials
import Hashing
import HostIO
#if canImport(Glibc)
import Glibc
#endif

/// Applies a `FilePlan` under a root directory, crash-safely: stale temporaries from a killed
/// run are cleared, every replaced or removed file is backed up once (the image's original,
/// never our own output), each write is temp + fsync + rename + directory fsync, and the
/// journal records a step only after that. Running it again after SIGKILL at any point
/// converges to the same files.
struct Applier {
    let root: String
    let crashPoints: CrashPoints

    var stateDirectory: String { root + Journal.directory }
    var backupDirectory: String { stateDirectory + "/backup" }

    /// Clears what a killed run may have left beside the state files.
    func removeStaleStateTemporaries() {
        AtomicFile.removeStaleTemporaries(for: Journal.path(root: root))
        AtomicFile.removeStaleTemporaries(for: stateDirectory + "/machine-id.new")
    }

    func apply(_ plan: FilePlan, journal: inout Journal) throws {
        try AtomicFile.makeDirectory(stateDirectory, mode: 0o700)
        for action in plan.actions {
            let target = root + action.path
            AtomicFile.removeStaleTemporaries(for: target)
            let digest = try Self.digest(of: action)
            if try isInPlace(action, target: target) {
                if journal.steps[action.path]?.digest != digest {
                    journal.steps[action.path] = .init(digest: digest, at: Self.now())
                    try journal.save(root: root)
                }
                continue
            }
            try backUp(target, as: action.path)
            crashPoints.hit("after-backup \(action.path)")
            switch action {
            case .write(_, let contents, let mode):
                try AtomicFile.makeDirectory(Path.parent(target))
                try AtomicFile.write(contents, to: target, mode: mode_t(mode))
            case .symlink(_, let destination):
                try AtomicFile.makeDirectory(Path.parent(target))
                try AtomicFile.symlink(destination, at: target)
            case .remove:
                try AtomicFile.remove(target)
            }
            crashPoints.hit("after-write \(action.path)")
            journal.steps[action.path] = .init(digest: digest, at: Self.now())
            try journal.save(root: root)
            crashPoints.hit("after-journal \(action.path)")
        }
    }

    func isInPlace(_ action: FilePlan.Action, target: String) throws -> Bool {
        switch action {
        case .write(_, let contents, let mode):
            guard let current = FileManager.default.contents(atPath: target), Array(current) == contents else { return false }
            let currentMode = (try? FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int) ?? -1
            return currentMode == Int(mode)
        case .symlink(_, let destination):
            return (try? FileManager.default.destinationOfSymbolicLink(atPath: target)) == destination
        case .remove:
            var status = stat()
            return lstat(target, &status) != 0
        }
    }

    /// Keeps the first version of a file we replace or remove (the image's), never our own.
    func backUp(_ target: String, as path: String) throws {
        var status = stat()
        guard lstat(target, &status) == 0 else { return }
        let backup = backupDirectory + path
        AtomicFile.removeStaleTemporaries(for: backup)
        guard lstat(backup, &status) != 0 else { return }
        try AtomicFile.makeDirectory(Path.parent(backup), mode: 0o700)
        if let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: target) {
            try AtomicFile.symlink(destination, at: backup)
        } else if let data = FileManager.default.contents(atPath: target) {
            try AtomicFile.write(Array(data), to: backup, mode: 0o600)
        }
    }

    static func digest(of action: FilePlan.Action) throws -> String {
        switch action {
        case .write(_, let contents, let mode): return try Hash.hex(contents + Array("mode \(String(mode, radix: 8))".utf8))
        case .symlink(_, let destination): return try Hash.hex(Array("symlink \(destination)".utf8))
        case .remove: return "removed"
        }
    }

    static func now() -> String {
        Timestamp.iso8601(Date())
    }
}
