import FoundationEssentials
import HostIO
import Release
#if canImport(Glibc)
import Glibc
#endif

extension Rollback {
    package struct PruneResult: Encodable {
        package var kept: [String]
        package var removedReleases: [String]
        package var removedImages: [String]
        package var dryRun: Bool
        package enum CodingKeys: String, CodingKey { case kept, removedReleases = "removed_releases", removedImages = "removed_images", dryRun = "dry_run" }
    }

    /// Keeps `keep` releases (current and previous always among them, then the newest), and
    /// removes the others with the images only they use. Images first, then the release: a
    /// kill in between leaves a release that the next prune removes, never an image that no
    /// release remembers.
    package func prune(keep: Int, dryRun: Bool) throws(RollbackError) -> PruneResult {
        guard keep >= 2 else { throw .usage("--keep must be at least 2: the current and the previous release are always kept") }
        return try context.exclusively { () throws(RollbackError) -> PruneResult in
            try finishPending()
            // A prune killed after moving a release out of releases/ left it here; under the
            // lock, incoming/ holds nothing else worth keeping.
            if !dryRun {
                do throws(HostIOError) {
                    for name in (try? context.files.list(paths.incoming)) ?? [] { try context.files.removeTree("\(paths.incoming)/\(name)") }
                } catch { throw .io(error) }
            }
            let installed = store.installedVersions()
            var kept = [try store.pointer(paths.current), try store.pointer(paths.previous)].compactMap { $0 }
            for version in installed.reversed() where kept.count < keep && !kept.contains(version) { kept.append(version) }
            let removed = installed.filter { !kept.contains($0) }
            var keptImages = Set<String>()
            for version in kept {
                // A retained release whose bundle cannot be read still keeps its images: refuse
                // rather than guess what it needs.
                let bundle = try store.bundle(version)
                for container in bundle.lock.containers { keptImages.insert(container.pinnedReference ?? container.taggedReference) }
            }
            var doomedImages = Set<String>()
            for version in removed {
                guard let bundle = try? store.bundle(version) else { continue }
                for container in bundle.lock.containers {
                    if let pinned = container.pinnedReference, !keptImages.contains(pinned) { doomedImages.insert(pinned) }
                }
            }
            let images = doomedImages.sorted()
            if !dryRun {
                for image in images { try context.engine.removeImage(image) }
                context.crashPoints.hit("images removed")
                for version in removed {
                    // Rename out of releases/ (atomic), then delete at leisure.
                    let trash = "\(paths.incoming)/.pruned-\(version)-\(getpid())"
                    do {
                        try context.files.makeDirectory(paths.incoming, mode: 0o755)
                        try context.files.move(paths.release(version), to: trash)
                        try context.files.removeTree(trash)
                    } catch let error as HostIOError { throw .io(error) } catch { throw .badData("\(error)") }
                }
            }
            return PruneResult(kept: kept.sorted(), removedReleases: removed, removedImages: images, dryRun: dryRun)
        }
    }
}
