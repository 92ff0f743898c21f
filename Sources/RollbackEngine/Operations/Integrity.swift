import FoundationEssentials
import ImageReference
import Lock
import Release

/// Is a release whole enough to switch to without a network? Its bundle files match their
/// sums, its OS image is still in its slot, and every image it runs is in the local store
/// (pinned ones by digest, for the right platform). One `docker image inspect` for all of
/// them, however many there are.
package struct Integrity {
    package let context: RollbackContext

    package struct Report {
        package var problems: [String]
        package var bundle: ReleaseBundle?
        /// The container engine could not be asked (so the images are unknown, not missing).
        package var engineFailure: RollbackError?
        package var intact: Bool { problems.isEmpty && engineFailure == nil }
    }

    package func check(_ version: String, selection: BootSelection) -> Report {
        var problems: [String] = []
        let record: ReleaseRecord
        do { record = try context.store.record(version) } catch { return Report(problems: [error.description], bundle: nil) }
        let bundle: ReleaseBundle
        do { bundle = try context.store.bundle(version) } catch { return Report(problems: [error.description], bundle: nil) }
        // A revoked release (or one built on a revoked image) is never switched to.
        if let why = Rollback(context: context).revocation(of: version) { problems.append(why) }
        let held = selection[record.osSlot].version
        if held != record.osVersion {
            problems.append("its OS image \(record.osVersion) is no longer in slot \(record.osSlot) (the slot holds \(held ?? "nothing recorded"))")
        }
        do { problems += try images(of: bundle.lock) } catch {
            return Report(problems: problems, bundle: bundle, engineFailure: error)
        }
        return Report(problems: problems, bundle: bundle)
    }

    /// What is missing from the local image store for `lock`.
    package func images(of lock: LockFile) throws(RollbackError) -> [String] {
        let wanted = lock.containers.map { container in (container, container.pinnedReference ?? container.taggedReference) }
        let found = try context.engine.inspect(wanted.map(\.1))
        var problems: [String] = []
        for (container, reference) in wanted {
            guard let platform = found[reference] else {
                problems.append("image \(reference) (service \(container.name)) is not in the local image store")
                continue
            }
            if container.pinnedReference != nil && !Self.samePlatform(platform, container.platform) {
                problems.append("image \(reference) (service \(container.name)) is for \(platform), the release needs \(container.platform)")
            }
        }
        return problems
    }

    package static func samePlatform(_ a: String, _ b: String) -> Bool {
        guard let left = try? Platform(parsing: a), let right = try? Platform(parsing: b) else { return a == b }
        return left.matches(right)
    }
}
