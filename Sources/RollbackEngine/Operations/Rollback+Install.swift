import Basics
import Archive
import FoundationEssentials
import HostIO
import Release
import ReleaseArchive
#if canImport(Glibc)
import Glibc
#endif

extension Rollback {
    /// Bounds for a bundle: a handful of small text files. Anything bigger is refused before
    /// it is read into memory.

    package struct InstallResult: Encodable {
        package var version: String
        package var image: String
        package var osVersion: String
        package var osSlot: String
        package var alreadyInstalled: Bool
        package var warnings: [String]
        /// The signed release counter (nil: the box has no root of trust, installed unsigned).
        package var releaseCounter: UInt64?
        /// Installed below the highest counter by a signed rollback authorization.
        package var authorizedRollback = false

        package enum CodingKeys: String, CodingKey {
            case version, image, osVersion = "os_version", osSlot = "os_slot", alreadyInstalled = "already_installed", warnings
            case releaseCounter = "release_counter", authorizedRollback = "authorized_rollback"
        }
    }

    /// Reads and checks a bundle, then records it as a release: written into `incoming/`,
    /// fsynced, and renamed into `releases/<version>` in one step.
    /// On a box whose image carries a root of trust, the release's signature is verified
    /// first (`SignedInputs`), and nothing is written unless it holds.
    package func install(bundlePath: String, osSlot: Slot?, osVersion: String?, signed inputs: SignedInputs = SignedInputs()) throws(RollbackError) -> InstallResult {
        // The arguments first: a bad one is a usage error before the bundle is even opened.
        if let osVersion { try Self.requireVersion(osVersion, "--os-version") }
        return try install(Self.readBundle(bundlePath), from: bundlePath, osSlot: osSlot, osVersion: osVersion, signed: inputs)
    }

    /// Records a bundle already read and checked (`from` names it in messages).
    package func install(_ bundle: ReleaseBundle, from bundlePath: String, osSlot: Slot?, osVersion: String?, signed inputs: SignedInputs = SignedInputs()) throws(RollbackError) -> InstallResult {
        if let osVersion { try Self.requireVersion(osVersion, "--os-version") }
        // A release the box would refuse is refused before anything (even the state
        // directory or the lock) is made; it is verified again under the lock, against the
        // state as it is then.
        _ = try verifyRelease(bundle, bundlePath: bundlePath, inputs: inputs, osVersion: osVersion, trust: try trustState())
        return try context.exclusively { () throws(RollbackError) -> InstallResult in
            try finishPending()
            let trust = try trustState()
            let signed = try verifyRelease(bundle, bundlePath: bundlePath, inputs: inputs, osVersion: osVersion, trust: trust)
            let sumsSHA = RollbackStore.sha256(bundle.files["SHA256SUMS"] ?? [])
            let os = osVersion ?? signed?.0.statement.osImage?.version ?? bundle.version
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
                if let (_, envelope) = signed, !context.files.exists(paths.signature(bundle.version)) {
                    try store.saveTrustFile(envelope, to: paths.signature(bundle.version))
                }
                try recordSlot(&selection, slot: slot, os: os)
                return InstallResult(version: record.version, image: record.image, osVersion: os, osSlot: slot.rawValue, alreadyInstalled: true, warnings: warnings,
                                     releaseCounter: signed?.0.statement.releaseCounter, authorizedRollback: signed?.0.authorizedRollback ?? false)
            }

            // The counter floor first: raised durably before the release exists, so a power
            // cut can leave the floor high (the same release installs again), never low.
            if let (verified, _) = signed, let trust { try raiseHighest(verified.statement, trust: trust) }

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
                if let (_, envelope) = signed { try context.files.write(envelope, to: "\(staging)/release.sig", mode: 0o644) }
                context.crashPoints.hit("release staged")
                try context.files.move(staging, to: paths.release(bundle.version))
            } catch let error as HostIOError {
                throw .io(error)
            } catch {
                throw .badData("\(error)")
            }
            context.crashPoints.hit("release installed")
            try recordSlot(&selection, slot: slot, os: os)
            return InstallResult(version: bundle.version, image: bundle.manifest.image, osVersion: os, osSlot: slot.rawValue, alreadyInstalled: false, warnings: warnings,
                                 releaseCounter: signed?.0.statement.releaseCounter, authorizedRollback: signed?.0.authorizedRollback ?? false)
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
        do { return try BundleArchive.read(path) }
        catch {
            switch error {
            case .noInput(let text): throw .noInput(text)
            case .badData(let text): throw .badData(text)
            }
        }
    }
}
