import Basics
import Archive
import FoundationEssentials
import HostIO
import Release
#if canImport(Glibc)
import Glibc
#endif

extension Rollback {
    /// Bounds for a bundle: a handful of small text files. Anything bigger is refused before
    /// it is read into memory.
    package static let bundleLimits = TarReader.Limits(maxEntries: 256, maxEntrySize: 16 << 20, maxTotalSize: 64 << 20)

    package struct InstallResult: Encodable {
        package var version: String
        package var image: String
        package var osVersion: String
        package var osSlot: String
        package var alreadyInstalled: Bool
        package var warnings: [String]

        package enum CodingKeys: String, CodingKey {
            case version, image, osVersion = "os_version", osSlot = "os_slot", alreadyInstalled = "already_installed", warnings
        }
    }

    /// Reads and checks a bundle, then records it as a release: written into `incoming/`,
    /// fsynced, and renamed into `releases/<version>` in one step.
    package func install(bundlePath: String, osSlot: Slot?, osVersion: String?) throws(RollbackError) -> InstallResult {
        // The arguments first: a bad one is a usage error before the bundle is even opened.
        if let osVersion { try Self.requireVersion(osVersion, "--os-version") }
        return try install(Self.readBundle(bundlePath), from: bundlePath, osSlot: osSlot, osVersion: osVersion)
    }

    /// Records a bundle already read and checked (`from` names it in messages).
    package func install(_ bundle: ReleaseBundle, from bundlePath: String, osSlot: Slot?, osVersion: String?) throws(RollbackError) -> InstallResult {
        if let osVersion { try Self.requireVersion(osVersion, "--os-version") }
        return try context.exclusively { () throws(RollbackError) -> InstallResult in
            try finishPending()
            let sumsSHA = RollbackStore.sha256(bundle.files["SHA256SUMS"] ?? [])
            let os = osVersion ?? bundle.version
            var warnings: [String] = []
            var (_, selection) = try store.bootSelection()
            let current = try self.current()
            let previous = try self.previous()

            // Which slot holds this release's OS image?
            let slot: Slot
            if let osSlot {
                if selection[osSlot].version != os {
                    if let current, current.osSlot == osSlot {
                        throw .usage("slot \(osSlot) holds the OS of the running release \(current.version) (\(current.osVersion)); write the new image to slot \(osSlot.other)")
                    }
                    if let previous, previous.osSlot == osSlot {
                        warnings.append("slot \(osSlot) held the OS of the previous release \(previous.version); it cannot be rolled back to any more")
                    }
                }
                slot = osSlot
            } else if let held = Slot.allCases.first(where: { selection[$0].version == os }) {
                slot = held
            } else if current == nil && Slot.allCases.allSatisfy({ selection[$0].version == nil }) {
                // A fresh box (the image build installs its first release): the running slot.
                slot = context.system.bootedSlot() ?? .a
            } else {
                let held = Slot.allCases.map { "\($0) holds \(selection[$0].version ?? "nothing recorded")" }.joined(separator: ", ")
                throw .usage("OS image \(os) is in neither boot slot (\(held)); write it to the free slot and pass --os-slot, or pass --os-version with the OS this release runs on")
            }

            if store.isInstalled(bundle.version) {
                let record = try store.record(bundle.version)
                guard record.bundleSHA256 == sumsSHA else {
                    throw .badData("\(bundlePath): release \(bundle.version) is already installed from a different bundle; versions are never reused")
                }
                guard record.osVersion == os, record.osSlot == slot else {
                    throw .usage("release \(bundle.version) is already installed for OS \(record.osVersion) in slot \(record.osSlot)")
                }
                try recordSlot(&selection, slot: slot, os: os)
                return InstallResult(version: record.version, image: record.image, osVersion: os, osSlot: slot.rawValue, alreadyInstalled: true, warnings: warnings)
            }

            // Write it all under incoming/, then one rename makes it a release.
            let staging = "\(paths.incoming)/\(bundle.version).\(getpid())"
            do {
                try context.files.removeTree(paths.incoming)
                try context.files.makeDirectory(staging + "/bundle", mode: 0o755)
                for (name, bytes) in bundle.files.sorted(by: { $0.key < $1.key }) {
                    try context.files.write(bytes, to: "\(staging)/bundle/\(name)", mode: 0o644)
                }
                let record = ReleaseRecord(version: bundle.version, image: bundle.manifest.image, osVersion: os, osSlot: slot,
                                           bundleSHA256: sumsSHA, installedAt: context.timestamp())
                try context.files.write(record.encoded(), to: "\(staging)/state.json", mode: 0o644)
                context.crashPoints.hit("release staged")
                try context.files.move(staging, to: paths.release(bundle.version))
            } catch let error as HostIOError {
                throw .io(error)
            } catch {
                throw .badData("\(error)")
            }
            context.crashPoints.hit("release installed")
            try recordSlot(&selection, slot: slot, os: os)
            return InstallResult(version: bundle.version, image: bundle.manifest.image, osVersion: os, osSlot: slot.rawValue, alreadyInstalled: false, warnings: warnings)
        }
    }

    /// Records that `slot` now holds OS `os` (not yet known good), unless it already does.
    package func recordSlot(_ selection: inout BootSelection, slot: Slot, os: String) throws(RollbackError) {
        guard selection[slot].version != os else { return }
        selection.recordImage(os, in: slot)
        try store.save(selection)
    }

    /// The bundle's entries through libarchive, then the pure checks. (The bundle is an input
    /// the operator names, read where it lies; only the state goes through the `FileSystem`.)
    package static func readBundle(_ path: String) throws(RollbackError) -> ReleaseBundle {
        guard FileManager.default.isReadableFile(atPath: path) else { throw .noInput("\(path): no such bundle (or it is not readable)") }
        // A FIFO, a device or a directory would be read forever or not at all: refused at once.
        guard FileInfo.isRegularFile(path) else { throw .noInput("\(path) is not a regular file; a bundle is a .tar.gz file") }
        let entries: [TarReader.Entry]
        do { entries = try TarReader(path: path).entries(limits: bundleLimits) }
        catch { throw .badData("\(path): \(error.description)") }
        let mapped = entries.map { entry -> ReleaseBundle.Entry in
            let kind: ReleaseBundle.Entry.Kind
            switch entry.kind {
            case .file: kind = .file
            case .directory: kind = .directory
            case .symlink: kind = .symlink(target: entry.linkTarget ?? "")
            case .hardlink: kind = .hardlink(target: entry.linkTarget ?? "")
            case .other: kind = .other
            }
            return ReleaseBundle.Entry(path: entry.path, kind: kind, contents: entry.contents)
        }
        do { return try ReleaseBundle(entries: mapped, sha256: RollbackStore.sha256) }
        catch { throw .badData("\(path): \(error.description)") }
    }
}
