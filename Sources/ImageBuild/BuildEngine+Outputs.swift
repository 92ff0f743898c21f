import Archive
import HostIO
import Lock
import PackerTemplate
import Release

extension BuildEngine {
    /// `<name>-<version>.tar.gz`: lock, compose files, health checks, release.json and
    /// SHA256SUMS under one directory; fixed owners, times and order.
    func makeBundle(prefix: String, lockName: String, lockBytes: [UInt8], lockSHA256: String, lock: LockFile, gitCommit: String?,
                    composeProject: String?, compose: [UInt8], override: [UInt8], health: [UInt8],
                    parents: [ReleaseManifest.ParentImage] = []) throws(BuildError) -> [UInt8] {
        var members: [(String, [UInt8])] = [
            (lockName, lockBytes), ("compose.yml", compose), ("docker-compose.pinned.yml", override), ("health-checks.json", health),
        ]
        let release = ReleaseFiles.releaseManifest(lock: lock, lockSHA256: lockSHA256, gitCommit: gitCommit,
                                                   composeProject: composeProject, files: members.map(\.0) + ["release.json"], parents: parents)
        members.append(("release.json", release))
        var sums: [(String, String)] = []
        for (name, bytes) in members { sums.append((name, try sha256(bytes))) }
        members.append(("SHA256SUMS", Array(ReleaseFiles.checksums(sums).utf8)))
        do throws(ArchiveError) {
            let tar = try TarWriter(compression: .gzip, modificationTime: 0)
            try tar.addDirectory(prefix)
            for (name, bytes) in members.sorted(by: { $0.0 < $1.0 }) {
                try tar.addFile("\(prefix)/\(name)", contents: bytes)
            }
            return try tar.finish()
        } catch {
            throw .failed("cannot make the release bundle: \(error)")
        }
    }

    /// Copies a build context: files (modes kept) and directories, in name order; a symbolic
    /// link is copied as the same link (never followed: `checkContext` made sure each one
    /// stays inside the context); anything else is left out.
    func copyTree(_ source: String, to destination: String) throws(HostIOError) {
        try files.makeDirectory(destination, mode: 0o755)
        for name in try files.list(source).sorted() {
            let from = "\(source)/\(name)", to = "\(destination)/\(name)"
            switch files.kind(from) {
            case .directory?: try copyTree(from, to: to)
            case .symlink?: if let target = files.linkTarget(from) { try files.symlink(target, at: to) }
            case .file?: if let bytes = files.contents(from) { try files.write(bytes, to: to, mode: files.permissions(from) ?? 0o644) }
            case .other?, nil: continue
            }
        }
    }
}
