import Basics
import FoundationEssentials
import Hashing
import HostIO
import Lock
import Release

/// The rollback state on disk: release directories, the `current` / `previous` pointers, the
/// journal and the GRUB environment block. Every write is crash-safe (through the `FileSystem` seam: `AtomicFile` on a box).
/// Reads report damaged or hand-edited state as `.badData` naming the file and the way out.
package struct RollbackStore {
    package let paths: RollbackPaths
    /// Where the state lives: the box's disk, or memory in the engine's tests.
    package let files: any FileSystem
    /// Bundles already read and checked by this process, by version and by the stamp of their
    /// files (so an edit made meanwhile is still seen). A switch reads each bundle several
    /// times (verify, plan, carry out); with 500 containers that is most of its own time.
    let bundles = BundleCache()

    package init(paths: RollbackPaths, files: any FileSystem) {
        self.paths = paths
        self.files = files
    }

    final class BundleCache: @unchecked Sendable {
        var entries: [String: (stamp: [String], bundle: ReleaseBundle)] = [:]
    }

    func prepare() throws(RollbackError) {
        do {
            try files.makeDirectory(paths.state, mode: 0o755)
            try files.makeDirectory(paths.releases, mode: 0o755)
        } catch { throw .io(error) }
    }

    // MARK: Releases

    /// Installed versions, oldest first.
    package func installedVersions() -> [String] {
        let names = (try? files.list(paths.releases)) ?? []
        return names.compactMap { name in ImageVersion(parsing: name).map { ($0, name) } }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    package func isInstalled(_ version: String) -> Bool {
        files.exists(paths.record(version))
    }

    package func record(_ version: String) throws(RollbackError) -> ReleaseRecord {
        let path = paths.record(version)
        guard let data = files.contents(path) else {
            if files.exists(paths.release(version)) {
                throw .badData("\(path) is missing, so release \(version) cannot be used; remove \(paths.release(version)) and install its bundle again")
            }
            throw .usage("release \(version) is not installed (installed: \(installedVersions().joined(separator: ", ").nonEmpty ?? "none"))")
        }
        let record: ReleaseRecord
        do { record = try ReleaseRecord.decode(data, path: path) }
        catch { throw .badData("\(error.description); install the release's bundle again, or run `rollback repair`") }
        guard record.version == version else {
            throw .badData("\(path) describes release \(record.version), but sits in the directory of \(version); it was edited or moved by hand")
        }
        return record
    }

    package func save(_ record: ReleaseRecord) throws(RollbackError) {
        do { try files.write(record.encoded(), to: paths.record(record.version), mode: 0o644) } catch { throw .io(error) }
    }

    /// Reads a release's bundle files from disk and checks them against its SHA256SUMS, as
    /// `install` did. A changed, missing or extra file is reported.
    package func bundle(_ version: String) throws(RollbackError) -> ReleaseBundle {
        let directory = paths.bundle(version)
        let names: [String]
        do { names = try files.list(directory) } catch {
            throw .badData("\(directory) cannot be read: \(error)")
        }
        let stamp = names.sorted().map { name in "\(name) \(files.stamp("\(directory)/\(name)") ?? "")" }
        if let cached = bundles.entries[version], cached.stamp == stamp { return cached.bundle }
        var entries: [ReleaseBundle.Entry] = []
        for name in names.sorted() {
            let path = "\(directory)/\(name)"
            let kind: ReleaseBundle.Entry.Kind
            if let target = files.linkTarget(path) { kind = .symlink(target: target) }
            else { kind = .file }
            entries.append(.init(path: name, kind: kind, contents: kind == .file ? files.contents(path) ?? [] : []))
        }
        let bundle: ReleaseBundle
        do { bundle = try ReleaseBundle(entries: entries, sha256: Self.sha256) }
        catch { throw .badData("release \(version) in \(directory): \(error.description)") }
        bundles.entries[version] = (stamp, bundle)
        return bundle
    }

    package static func sha256(_ bytes: [UInt8]) -> String { (try? Hash.hex(bytes)) ?? "" }

    // MARK: Pointers

    /// The version `current` or `previous` points at; nil when the pointer does not exist.
    package func pointer(_ path: String) throws(RollbackError) -> String? {
        let name = Path.name(path)
        guard let target = files.linkTarget(path) else {
            if files.exists(path) {
                throw .badData("\(path) is not a symbolic link to releases/<version>; it was replaced by hand. Run `rollback repair --\(name) VERSION` to set it")
            }
            return nil
        }
        let parts = target.split(separator: "/")
        guard parts.count == 2, parts[0] == "releases", ImageVersion(parsing: String(parts[1])) != nil else {
            throw .badData("\(path) points at '\(target)'; expected releases/<version>. Run `rollback repair --\(name) VERSION` to set it")
        }
        let version = String(parts[1])
        guard isInstalled(version) else {
            throw .badData("\(path) points at release \(version), which is not installed. Run `rollback repair --\(name) VERSION` to set it")
        }
        return version
    }

    package func setPointer(_ path: String, to version: String?) throws(RollbackError) {
        do {
            if let version { try files.symlink("releases/\(version)", at: path) }
            else { try files.remove(path) }
        } catch { throw .io(error) }
    }

    // MARK: Journal

    package func journal() throws(RollbackError) -> RollbackJournal? {
        guard let data = files.contents(paths.journal) else { return nil }
        do { return try RollbackJournal.decode(data, path: paths.journal) }
        catch { throw .badData("\(error.description). It records an interrupted operation; run `rollback repair --discard-journal` to drop it and then check `rollback status`") }
    }

    func saveJournal(_ journal: RollbackJournal) throws(RollbackError) {
        do { try files.write(journal.encoded(), to: paths.journal, mode: 0o644) } catch { throw .io(error) }
    }

    func clearJournal() throws(RollbackError) {
        do { try files.remove(paths.journal) } catch { throw .io(error) }
    }

    // MARK: Boot selection

    /// The GRUB environment block; an empty one when the file does not exist yet.
    package func bootEnvironment() throws(RollbackError) -> BootEnvironment {
        guard let data = files.contents(paths.grubenv) else { return BootEnvironment() }
        do { return try BootEnvironment(parsing: data) }
        catch { throw .badData("\(paths.grubenv): \(error.description). Recreate it with `grub-editenv \(paths.grubenv) create`, then `rollback repair`") }
    }

    package func bootSelection() throws(RollbackError) -> (BootEnvironment, BootSelection) {
        let environment = try bootEnvironment()
        do { return (environment, try BootSelection(environment)) }
        catch { throw .badData("\(paths.grubenv): \(error.description). Fix or remove the variable with grub-editenv, then `rollback repair`") }
    }

    /// Writes the selection when it differs from what is on disk.
    package func save(_ selection: BootSelection) throws(RollbackError) {
        var (environment, old) = try bootSelection()
        let exists = files.exists(paths.grubenv)
        guard !exists || old != selection else { return }
        selection.apply(to: &environment)
        do {
            let bytes = try environment.rendered()
            try files.makeDirectory(Path.parent(paths.grubenv), mode: 0o755)
            try files.write(bytes, to: paths.grubenv, mode: 0o644)
        } catch let error as ReleaseError {
            throw .badData("\(paths.grubenv): \(error.description)")
        } catch let error as HostIOError {
            throw .io(error)
        } catch {
            throw .badData("\(paths.grubenv): \(error)")
        }
    }
}
