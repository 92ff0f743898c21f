import Basics
import BoxConfig
import Hashing
import HostIO

/// Applies a `FilePlan` under a root directory, crash-safely: stale temporaries from a killed
/// run are cleared; before a path is first touched, what the image had there is recorded
/// (the file itself, with its mode, under `backup/`, or an `absent/` marker when it had
/// nothing), never our own output; each write is temp + fsync + rename + directory fsync (the
/// `FileSystem`'s promise), and the journal records a step only after that. Running it again
/// after SIGKILL (or a power cut) at any point converges to the same files.
///
/// Re-provisioning converges too: a path an earlier apply wrote that the new plan does not
/// (another spec, another renderer) is put back as the image had it (restored from `backup/`,
/// or removed), and directories provision made that nothing needs any more are removed when
/// empty; what is left is what an apply on a fresh copy of the image leaves.
package struct Applier {
    package let context: ProvisionContext

    package init(context: ProvisionContext) { self.context = context }

    var files: any FileSystem { context.files }
    var stateDirectory: String { context.path(Journal.directory) }
    var backupDirectory: String { stateDirectory + "/backup" }
    /// Empty markers for paths the image had nothing at.
    var absentDirectory: String { stateDirectory + "/absent" }

    /// Clears what a killed run may have left beside the state files.
    package func removeStaleStateTemporaries() {
        files.removeStaleTemporaries(for: Journal.path(root: context.root))
        files.removeStaleTemporaries(for: stateDirectory + "/machine-id.new")
    }

    /// Writes each action of `plan` that is not already in place, journaling it once durable.
    /// Returns the paths it changed (not those already in place).
    @discardableResult
    package func apply(_ plan: FilePlan, journal: inout Journal) throws(ProvisionError) -> Set<String> {
        var digests: [String] = []
        for action in plan.actions { digests.append(try Self.digest(of: action)) }
        var changed: Set<String> = []
        do throws(HostIOError) { try write(plan, digests: digests, journal: &journal, changed: &changed) }
        catch { throw .cannotWrite(error.description) }
        return changed
    }

    func write(_ plan: FilePlan, digests: [String], journal: inout Journal, changed: inout Set<String>) throws(HostIOError) {
        try files.makeDirectory(stateDirectory, mode: 0o700)
        for (action, digest) in zip(plan.actions, digests) {
            let target = context.path(action.path)
            files.removeStaleTemporaries(for: target)
            // What the image had here is recorded before the path is first touched (even when it
            // already holds what the plan wants: a later spec may not).
            if journal.steps[action.path] == nil { try recordOriginal(target, as: action.path) }
            if isInPlace(action, target: target) {
                if journal.steps[action.path]?.digest != digest {
                    journal.steps[action.path] = .init(digest: digest, at: context.timestamp())
                    try journal.save(context)
                }
                continue
            }
            context.crashPoints.hit("after-backup \(action.path)")
            switch action {
            case .write(_, let contents, let mode):
                try makeParents(of: action.path, journal: &journal)
                try files.write(contents, to: target, mode: UInt32(mode))
            case .symlink(_, let destination):
                try makeParents(of: action.path, journal: &journal)
                try files.symlink(destination, at: target)
            case .remove:
                try files.remove(target)
            }
            context.crashPoints.hit("after-write \(action.path)")
            changed.insert(action.path)
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

    /// Records what the image has at `path` before provision first touches it: the file (with
    /// its mode) or link under `backup/`, or an empty marker under `absent/` when there is
    /// nothing. Never replaces an earlier record: the first version is the image's.
    func recordOriginal(_ target: String, as path: String) throws(HostIOError) {
        let backup = backupDirectory + path
        let absent = absentDirectory + path
        files.removeStaleTemporaries(for: backup)
        files.removeStaleTemporaries(for: absent)
        guard files.kind(backup) == nil, files.kind(absent) == nil else { return }
        if files.kind(target) == nil {
            try files.makeDirectory(Path.parent(absent), mode: 0o700)
            try files.write([], to: absent, mode: 0o600)
            return
        }
        try files.makeDirectory(Path.parent(backup), mode: 0o700)
        if let destination = files.linkTarget(target) {
            try files.symlink(destination, at: backup)
        } else if let data = files.contents(target) {
            // Its own mode: the backup directory is 0700, so nothing is exposed by it.
            try files.write(data, to: backup, mode: files.permissions(target) ?? 0o600)
        }
    }

    /// Makes the missing directories above `path`, recording each in the journal before it is
    /// made, so that a later spec that needs none of them can remove them again.
    func makeParents(of path: String, journal: inout Journal) throws(HostIOError) {
        var missing: [String] = []
        var directory = Path.parent(path)
        while directory != "/" && !directory.isEmpty && !files.isDirectory(context.path(directory)) {
            missing.append(directory)
            directory = Path.parent(directory)
        }
        guard !missing.isEmpty else { return }
        var created = Set(journal.createdDirectories ?? [])
        if !created.isSuperset(of: missing) {
            created.formUnion(missing)
            journal.createdDirectories = created.sorted()
            try journal.save(context)
        }
        try files.makeDirectory(context.path(Path.parent(path)), mode: 0o755)
    }

    /// Puts back what the image had at every path an earlier apply touched that `plan` no
    /// longer does, then removes the directories provision made that are now empty and
    /// unneeded. Each path leaves the journal only once it is back as the image had it.
    /// Returns the paths it put back.
    @discardableResult
    package func retire(pathsNotIn plan: FilePlan, journal: inout Journal) throws(ProvisionError) -> Set<String> {
        let planned = Set(plan.actions.map(\.path))
        var changed: Set<String> = []
        do throws(HostIOError) {
            for path in journal.steps.keys.sorted() where !planned.contains(path) {
                let target = context.path(path)
                let backup = backupDirectory + path
                files.removeStaleTemporaries(for: target)
                if let destination = files.linkTarget(backup) {
                    if files.linkTarget(target) != destination { try files.symlink(destination, at: target) }
                    context.say("provision: \(path) is no longer the site's: the image's link is back")
                } else if let original = files.contents(backup) {
                    let mode = files.permissions(backup) ?? 0o644
                    if files.contents(target) != original || files.permissions(target) != mode {
                        try files.makeDirectory(Path.parent(target), mode: 0o755)
                        try files.write(original, to: target, mode: mode)
                    }
                    context.say("provision: \(path) is no longer the site's: the image's file is back")
                } else if files.kind(target) != nil {
                    try files.remove(target)
                    context.say("provision: \(path) is no longer the site's: removed (the image had none)")
                }
                context.crashPoints.hit("after-retire \(path)")
                changed.insert(path)
                journal.steps[path] = nil
                try journal.save(context)
            }
            let needed = Set(planned.flatMap { Self.ancestors(of: $0) })
            var created = journal.createdDirectories ?? []
            for directory in created.sorted(by: { $0.count > $1.count }) where !needed.contains(directory) {
                let path = context.path(directory)
                if files.kind(path) == .directory, (try? files.list(path))?.isEmpty == true { try files.removeTree(path) }
                if files.kind(path) == nil { created.removeAll { $0 == directory } }
            }
            if created != (journal.createdDirectories ?? []) {
                journal.createdDirectories = created.isEmpty ? nil : created
                try journal.save(context)
            }
            return changed
        } catch {
            throw .cannotWrite(error.description)
        }
    }

    static func ancestors(of path: String) -> [String] {
        var result: [String] = []
        var directory = Path.parent(path)
        while directory != "/" && !directory.isEmpty {
            result.append(directory)
            directory = Path.parent(directory)
        }
        return result
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
