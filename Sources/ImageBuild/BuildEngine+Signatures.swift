import Basics
import ImageDefinition
import ImageReference
import Lock
import Trust

extension BuildEngine {
    /// Checks the cosign signature of every container whose definition asks for one, against
    /// the digest it is pinned to (the one its tag named, else its platform's manifest): a
    /// valid signature by the container's key, naming that digest and its repository. No
    /// signature stored: a required one fails the build, an optional one is a note. A
    /// signature present but not valid always fails. Returns the notes.
    func checkSignatures(_ definition: ImageDefinition, lock: LockFile, resolver: any ContainerResolving, directory: String) async throws(BuildError) -> [String] {
        var problems: [String] = []
        var notes: [String] = []
        for (index, container) in definition.containers.enumerated() {
            guard let signature = container.signature else { continue }
            let pointer = "/containers/\(index)/signature"
            guard let entry = lock.containers.first(where: { $0.name == container.name }), entry.source == .pinned, let digest = entry.digest else {
                problems.append("\(container.name): \(pointer): the image is not pinned to a digest, so its signature cannot be checked")
                continue
            }
            guard let key = files.contents("\(directory)/\(signature.key)"), key.count <= 16 << 10 else {
                problems.append("\(container.name): \(pointer)/key: \(signature.key) cannot be read")
                continue
            }
            let repository = container.reference
            let sameRepository: (String) -> Bool = { identity in
                guard let named = try? Reference(parsing: identity) else { return false }
                return named.registry == repository.registry && named.repository == repository.repository
            }
            var found = false
            var reasons: [String] = []
            for candidate in [digest, entry.platformDigest].compactMap({ $0 }).uniqued() {
                guard let stored = try await resolver.cosignSignatures(repository, digest: candidate) else { continue }
                found = true
                let candidates = stored.map { CosignVerifier.Candidate(payload: $0.payload, signature: $0.signature) }
                if let reason = CosignVerifier.problem(candidates, key: key, digest: candidate.description, repository: sameRepository, crypto: crypto) {
                    reasons.append("\(candidate): \(reason)")
                } else {
                    reasons = []
                    break
                }
            }
            if !reasons.isEmpty {
                problems.append("\(container.name): the cosign signature of \(repository.name)@\(digest) is not valid: " + reasons.joined(separator: "; "))
            } else if !found {
                if signature.required {
                    problems.append("\(container.name): \(repository.name)@\(digest) has no cosign signature (no sha256-<digest>.sig in its repository), and \(pointer) requires one")
                } else {
                    notes.append("note: \(container.name): \(repository.name)@\(digest) has no cosign signature (not required)")
                }
            }
        }
        if !problems.isEmpty { throw .refused(problems) }
        return notes
    }
}

extension Array where Element: Hashable {
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
