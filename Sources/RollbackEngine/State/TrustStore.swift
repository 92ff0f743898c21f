import Basics
import FoundationEssentials
import HostIO
import Trust

/// What a box trusts, as it is on disk: the root the image carries (`/etc/edge-imagesmith/
/// trust/root.json`), the newer roots it has verified since (`trust/roots/N.json`), the
/// highest release counter it has installed (`trust/highest.json`), the newest revocation
/// list (`trust/revocations.json`) and each release's signed statement
/// (`releases/<v>/release.sig`). All of it is read back as hostile: the root chain is
/// verified again from the image's root on every load, the revocation list against the roots
/// of that chain, and a damaged file stops the operation (fail closed) with the way out.
package struct TrustState: Sendable {
    /// The chain from the image's root to the newest verified, oldest first.
    package var roots: [RootMetadata]
    package var highest: ReleaseVerifier.Highest?
    package var revocations: RevocationList?
    /// The signed statements of the releases installed (for revocations that reach through
    /// them), by version.
    package var statements: [String: (statement: ReleaseStatement, digest: String)]

    package var root: RootMetadata { roots[roots.count - 1] }

    package var installed: [(statement: ReleaseStatement, digest: String)] { statements.keys.sorted().compactMap { statements[$0] } }

    /// Why `version` may not be run now, if it is revoked.
    package func revocation(of version: String, now: Date) -> String? {
        guard let revocations, let own = statements[version] else { return nil }
        return revocations.reason(for: own.statement, digest: own.digest, now: now, others: installed.filter { $0.statement.version != version })
    }
}

extension RollbackStore {
    /// The box's trust, or nil when the image carries no root and the box has learned none
    /// (then releases install unsigned, as before).
    package func trust(_ crypto: any TrustCrypto) throws(RollbackError) -> TrustState? {
        for directory in [paths.trust, paths.trustRoots] {
            if let kind = files.kind(directory), kind != .directory {
                throw .badData("\(directory) is \(Self.describe(kind)), not a directory; the box's trust state is read as regular files in plain directories only, so nothing was changed. Restore it from the image, or remove it to learn the trust again from signed releases")
            }
        }
        let baked = try trustFile(paths.bakedRoot, remedy: "Restore the root the image was built with")
        let learned = files.exists(paths.trust)
        guard let baked else {
            if learned && (files.exists(paths.trustRoots) || files.exists(paths.highest) || files.exists(paths.revocations)) {
                throw .badData("this box has trust state in \(paths.trust) but its image carries no root of trust at \(paths.bakedRoot); refusing to treat it as unsigned. Restore the root the image was built with")
            }
            return nil
        }
        var roots: [RootMetadata] = []
        do {
            let first = try RootMetadata.parse(baked, document: paths.bakedRoot, crypto: crypto)
            try first.verifySelfSigned(crypto: crypto, document: paths.bakedRoot)
            roots.append(first)
            while true {
                let next = roots[roots.count - 1].version + 1
                guard let bytes = try trustFile(paths.trustRoot(next), remedy: "Remove it, and take the newer root again with `rollback trust update`") else { break }
                let candidate = try RootMetadata.parse(bytes, document: paths.trustRoot(next), crypto: crypto)
                try roots[roots.count - 1].verifyNext(candidate, crypto: crypto, document: paths.trustRoot(next))
                roots.append(candidate)
            }
        } catch let error as TrustError {
            throw .badData("\(error.description); the box's root of trust cannot be used, so nothing was changed")
        } catch let error as RollbackError {
            throw error
        } catch {
            throw .badData("\(error); the box's root of trust cannot be used, so nothing was changed")
        }
        var state = TrustState(roots: roots, highest: nil, revocations: nil, statements: [:])
        if let bytes = try trustFile(paths.highest, remedy: "Remove it: the floor is then taken from the installed releases' signed counters") {
            do { state.highest = try ReleaseVerifier.Highest.parse(bytes, document: paths.highest) }
            catch { throw .badData("\(error.description). Remove it: the floor is then taken from the installed releases' signed counters") }
        }
        for version in installedVersions() {
            guard let found = try statement(of: version, crypto: crypto) else { continue }
            state.statements[version] = found
            if found.statement.releaseCounter > (state.highest?.counter ?? 0) {
                state.highest = .init(counter: found.statement.releaseCounter, version: version)
            }
        }
        if let bytes = try trustFile(paths.revocations, remedy: "Remove it and take the newest signed list again with `rollback trust revocations`") {
            state.revocations = try verifiedRevocations(bytes, document: paths.revocations, roots: roots, crypto: crypto)
        }
        return state
    }

    /// A revocation list signed by the release keys of any root in the chain (a list taken
    /// before a rotation stays in force until a newer one replaces it).
    func verifiedRevocations(_ bytes: [UInt8], document: String, roots: [RootMetadata], crypto: any TrustCrypto) throws(RollbackError) -> RevocationList {
        var failure: TrustError?
        for root in roots.reversed() {
            do {
                let envelope = try Envelope.parse(bytes, document: document)
                let payload = try envelope.verifiedPayload(expecting: RevocationList.payloadType, root: root, crypto: crypto, document: document)
                return try RevocationList.parse(payload, document: document)
            } catch { failure = failure ?? error }
        }
        throw .badData("\(failure?.description ?? "\(document) cannot be verified"). Take the newest signed list again with `rollback trust revocations`")
    }

    /// The signed statement `version` was installed with; nil for a release installed
    /// without one (before the image carried a root).
    package func statement(of version: String, crypto: any TrustCrypto) throws(RollbackError) -> (statement: ReleaseStatement, digest: String)? {
        let path = paths.signature(version)
        guard let bytes = try trustFile(path, remedy: "Install release \(version)'s bundle again with its signature, or remove the release") else { return nil }
        do throws(TrustError) {
            let envelope = try Envelope.parse(bytes, document: path)
            guard envelope.payloadType == ReleaseStatement.payloadType else { throw TrustError.malformed(document: path, detail: "not a release statement") }
            let statement = try ReleaseStatement.parse(envelope.payload, document: path)
            guard statement.version == version else { throw TrustError.malformed(document: path, detail: "it signs \(statement.version), not \(version)") }
            return (statement, crypto.sha256Hex(envelope.payload))
        } catch {
            throw .badData("\(error.description); install release \(version)'s bundle again with its signature, or remove the release")
        }
    }

    /// A trust file: nil when there is none; its bytes when it is a regular file that reads;
    /// else the operation stops (fail closed) naming the file. Never a link, a FIFO, a device
    /// or a directory: one of those in place of the counter floor must not read as "no floor
    /// yet" and be replaced.
    package func trustFile(_ path: String, remedy: String) throws(RollbackError) -> [UInt8]? {
        guard let kind = files.kind(path) else { return nil }
        guard kind == .file else {
            throw .badData("\(path) is \(Self.describe(kind)), not a regular file; trust files are read as regular files only, so nothing was changed. \(remedy)")
        }
        guard let bytes = files.contents(path) else {
            throw .badData("\(path) cannot be read; a trust file that cannot be read stops every operation that needs it, so nothing was changed. \(remedy)")
        }
        return bytes
    }

    static func describe(_ kind: FileKind) -> String {
        switch kind {
        case .file: "a regular file"
        case .directory: "a directory"
        case .symlink: "a symbolic link"
        case .other: "a FIFO, socket or device"
        }
    }

    package func saveTrustFile(_ bytes: [UInt8], to path: String) throws(RollbackError) {
        do {
            try files.makeDirectory(paths.trust, mode: 0o755)
            try files.makeDirectory(Path.parent(path), mode: 0o755)
            try files.write(bytes, to: path, mode: 0o644)
        } catch { throw .io(error) }
    }
}
