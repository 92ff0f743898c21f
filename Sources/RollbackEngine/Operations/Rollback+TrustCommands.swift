import Basics
import FoundationEssentials
import Release
import Trust

extension Rollback {
    package struct TrustReport: Encodable {
        package var configured: Bool
        package var rootVersion: UInt64?
        package var rootExpires: String?
        package var rootExpired: Bool?
        package var releaseKeys: [String]
        package var releaseThreshold: Int?
        package var highestCounter: UInt64?
        package var highestVersion: String?
        package var revocationsVersion: UInt64?
        package var revocationEntries: Int?
        /// Installed releases that are revoked, and why.
        package var revoked: [String: String]
        /// Slots no longer bootable because every release on them is revoked.
        package var slotsDisabled: [String]
        package var hardware: [String]

        package enum CodingKeys: String, CodingKey {
            case configured, rootVersion = "root_version", rootExpires = "root_expires", rootExpired = "root_expired", releaseKeys = "release_keys"
            case releaseThreshold = "release_threshold", highestCounter = "highest_counter", highestVersion = "highest_version"
            case revocationsVersion = "revocations_version", revocationEntries = "revocation_entries", revoked, slotsDisabled = "slots_disabled", hardware
        }

        package var lines: [String] {
            guard configured, let rootVersion else { return ["no root of trust: this box installs unsigned releases (its image carries no \(RollbackPaths.bakedRoot))"] }
            var lines = ["root of trust: version \(rootVersion), expires \(rootExpires ?? "?")\(rootExpired == true ? " (EXPIRED: nothing installs until a newer root is taken)" : "")",
                         "release keys (threshold \(releaseThreshold ?? 0)): " + releaseKeys.map { String($0.prefix(16)) }.joined(separator: ", "),
                         "highest release counter installed: " + (highestCounter.map { "\($0) (\(highestVersion ?? "?"))" } ?? "none yet"),
                         "revocation list: " + (revocationsVersion.map { "version \($0), \(revocationEntries ?? 0) entries" } ?? "none taken"),
                         "hardware: " + hardware.joined(separator: ", ")]
            for (version, why) in revoked.sorted(by: { $0.key < $1.key }) { lines.append("revoked: \(version): \(why)") }
            for slot in slotsDisabled { lines.append("slot \(slot) disabled: every release on it is revoked") }
            return lines
        }
    }

    package func trustReport(_ trust: TrustState?, slotsDisabled: [String] = []) -> TrustReport {
        guard let trust else {
            return TrustReport(configured: false, releaseKeys: [], revoked: [:], slotsDisabled: [], hardware: boxHardware())
        }
        let now = context.now()
        var revoked: [String: String] = [:]
        for version in trust.statements.keys { if let why = trust.revocation(of: version, now: now) { revoked[version] = why } }
        return TrustReport(configured: true, rootVersion: trust.root.version, rootExpires: TrustTime.format(trust.root.expires), rootExpired: trust.root.expires <= now,
                           releaseKeys: trust.root.releaseRole.keyids, releaseThreshold: trust.root.releaseRole.threshold,
                           highestCounter: trust.highest?.counter, highestVersion: trust.highest?.version,
                           revocationsVersion: trust.revocations?.version, revocationEntries: trust.revocations?.entries.count,
                           revoked: revoked, slotsDisabled: slotsDisabled, hardware: boxHardware())
    }

    package func trustStatus() throws(RollbackError) -> TrustReport { trustReport(try trustState()) }

    /// Takes newer roots, in order: each must be signed by a threshold of the root before it
    /// and of its own, and be exactly one version newer (TUF's rule). All are verified before
    /// any is stored; each is stored crash-safe.
    package func updateRoots(_ rootPaths: [String]) throws(RollbackError) -> TrustReport {
        guard !rootPaths.isEmpty else { throw .usage("name the new root files, oldest first") }
        return try context.exclusively { () throws(RollbackError) -> TrustReport in
            guard var trust = try trustState() else { throw .usage("this box has no root of trust (\(paths.bakedRoot)) to rotate from; its image must carry one") }
            var taken: [(RootMetadata, String)] = []
            for path in rootPaths {
                let bytes = try Self.readInput(path, what: "the root")
                do throws(TrustError) {
                    let candidate = try RootMetadata.parse(bytes, document: path, crypto: context.crypto)
                    if candidate.version <= trust.root.version, candidate.bytes == trust.roots.first(where: { $0.version == candidate.version })?.bytes {
                        continue  // one the box has already: nothing to do
                    }
                    try trust.root.verifyNext(candidate, crypto: context.crypto, document: path)
                    trust.roots.append(candidate)
                    taken.append((candidate, path))
                } catch { throw .badData("\(error.description); no root was taken") }
            }
            for (root, _) in taken { try store.saveTrustFile(root.bytes, to: paths.trustRoot(root.version)) }
            if trust.root.expires <= context.now() {
                context.say("the newest root (version \(trust.root.version)) has expired: releases are refused until a newer one is taken")
            }
            return trustReport(try trustState())
        }
    }

    /// Takes a newer signed revocation list (never an older one: a freeze attack hands a box
    /// last month's list), and makes slots whose every release is now revoked unbootable.
    package func takeRevocations(_ path: String) throws(RollbackError) -> TrustReport {
        try context.exclusively { () throws(RollbackError) -> TrustReport in
            guard let trust = try trustState() else { throw .usage("this box has no root of trust (\(paths.bakedRoot)), so a signed revocation list cannot be checked") }
            let bytes = try Self.readInput(path, what: "the revocation list")
            let list: RevocationList
            do throws(TrustError) {
                let envelope = try Envelope.parse(bytes, document: path)
                let payload = try envelope.verifiedPayload(expecting: RevocationList.payloadType, root: trust.root, crypto: context.crypto, document: path)
                list = try RevocationList.parse(payload, document: path)
            } catch { throw .badData(error.description) }
            if let held = trust.revocations {
                if list.version < held.version || (list.version == held.version && list != held) {
                    throw .badData("\(path) is revocation list version \(list.version); this box has version \(held.version) already, and a list never goes back")
                }
            }
            if trust.revocations?.version != list.version { try store.saveTrustFile(bytes, to: paths.revocations) }
            let updated = try trustState()
            let disabled = try disableRevokedSlots(updated)
            let report = trustReport(updated, slotsDisabled: disabled)
            if let current = try? store.pointer(paths.current), let why = report.revoked[current] {
                context.say("the running release \(current) is revoked (\(why)); install and activate a newer release")
            }
            return report
        }
    }

    /// Slots (other than the current release's) on which every installed release is revoked:
    /// GRUB is told not to boot them, so a fallback never lands in one.
    func disableRevokedSlots(_ trust: TrustState?) throws(RollbackError) -> [String] {
        guard let trust else { return [] }
        let now = context.now()
        let current: ReleaseRecord? = (try? store.pointer(paths.current)).flatMap { $0 }.flatMap { try? store.record($0) }
        var (_, selection) = try store.bootSelection()
        var disabled: [String] = []
        for slot in Slot.allCases where slot != current?.osSlot {
            let records = store.installedVersions().compactMap { try? store.record($0) }.filter { $0.osSlot == slot && $0.osVersion == selection[slot].version }
            guard !records.isEmpty, records.allSatisfy({ trust.revocation(of: $0.version, now: now) != nil }) else { continue }
            if selection[slot].bootable || selection.order.first == slot {
                selection[slot].ok = false
                selection[slot].tries = 0
                if let keep = current?.osSlot { selection.order = [keep, keep.other] }
            }
            disabled.append(slot.rawValue)
        }
        try store.save(selection)
        return disabled
    }

    package struct VerifyResult: Encodable {
        package var bundle: String
        package var image: String
        package var version: String
        package var signed: Bool
        package var releaseCounter: UInt64?
        package var expires: String?
        package var hardware: [String]?
        package var digest: String?
        package var authorizedRollback: Bool
        /// Microseconds spent, in this process: reading and checking the bundle (libarchive,
        /// sums), loading the box's trust (root chain, revocation list), and verifying the
        /// release against it (signatures, statement, files; the OS image's hash included).
        package var timingsUS: [String: Int]

        package enum CodingKeys: String, CodingKey {
            case bundle, image, version, signed, releaseCounter = "release_counter", expires, hardware, digest, authorizedRollback = "authorized_rollback"
            case timingsUS = "timings_us"
        }
    }

    /// Everything `install` checks, with nothing written.
    package func verify(bundlePath: String, osVersion: String?, signed inputs: SignedInputs) throws(RollbackError) -> VerifyResult {
        if let osVersion { try Self.requireVersion(osVersion, "--os-version") }
        let clock = ContinuousClock()
        var mark = clock.now
        var timings: [String: Int] = [:]
        func lap(_ name: String) {
            let now = clock.now
            let elapsed = now - mark
            timings[name] = Int(elapsed.components.seconds) * 1_000_000 + Int(elapsed.components.attoseconds / 1_000_000_000_000)
            mark = now
        }
        let bundle = try Self.readBundle(bundlePath)
        lap("bundle")
        let trust = try trustState()
        lap("trust")
        let verified = try verifyRelease(bundle, bundlePath: bundlePath, inputs: inputs, osVersion: osVersion, trust: trust)
        lap("verify")
        if let (release, _) = verified, store.isInstalled(release.statement.version),
           let record = try? store.record(release.statement.version), record.bundleSHA256 != RollbackStore.sha256(bundle.files["SHA256SUMS"] ?? []) {
            throw .badData("\(bundlePath): release \(bundle.version) is already installed from a different bundle; versions are never reused")
        }
        return VerifyResult(bundle: bundlePath, image: bundle.manifest.image, version: bundle.version, signed: verified != nil,
                            releaseCounter: verified?.0.statement.releaseCounter, expires: verified?.0.statement.expires,
                            hardware: verified?.0.statement.hardware, digest: verified?.0.digest, authorizedRollback: verified?.0.authorizedRollback ?? false,
                            timingsUS: timings)
    }
}
