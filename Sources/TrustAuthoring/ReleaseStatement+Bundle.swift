import Basics
import FoundationEssentials
import Release
import Trust

extension ReleaseStatement {
    /// The counter a release gets when none is given: its version as one number,
    /// YYYY·10⁸ + MM·10⁶ + N (2026.12.3 → 202612000003), so counters rise as versions do. A
    /// release pipeline with counters of its own passes them (`--counter`).
    public static func defaultCounter(for version: String) -> UInt64? {
        let parts = version.split(separator: ".")
        guard parts.count == 3, let year = UInt64(parts[0]), let month = UInt64(parts[1]), let number = UInt64(parts[2]), number < 1_000_000 else { return nil }
        return year * 100_000_000 + month * 1_000_000 + number
    }

    /// What the release keys sign about `bundle`: every file of it by sha256, its parents
    /// (as its release.json records them, and any more given), the hardware it is for
    /// (given, else the platforms its containers are pinned for).
    public static func describing(_ bundle: ReleaseBundle, counter: UInt64?, issuedAt: Date, expires: Date, hardware: [String],
                                  osImage: OSImage?, parents extraParents: [Parent], crypto: any TrustCrypto) throws(AuthoringError) -> ReleaseStatement {
        guard let counter = counter ?? defaultCounter(for: bundle.version) else {
            throw .usage("release \(bundle.version) has no default counter; pass --counter")
        }
        guard counter < 1 << 53 else { throw .usage("--counter \(counter) is larger than 2^53-1") }
        let platforms = Set(bundle.lock.containers.map(\.platform)).sorted()
        let names = hardware.isEmpty ? (platforms.isEmpty ? ["linux/amd64"] : platforms) : hardware
        for name in names where !isHardwareName(name) {
            throw .usage("hardware '\(name.printable)' is not a hardware name (lower-case letters, digits, '/', '.', '_', '-'; up to 64)")
        }
        guard expires > issuedAt else { throw .usage("the release would expire before it is issued") }
        var parents = (bundle.manifest.parents ?? []).map { Parent(name: $0.name, sha256: $0.sha256) }
        for parent in extraParents where !parents.contains(where: { $0.sha256 == parent.sha256 }) { parents.append(parent) }
        var statement = ReleaseStatement(image: bundle.manifest.image, version: bundle.version, releaseCounter: counter, issuedAt: issuedAt,
                                         expires: expires, hardware: names, files: bundle.files.mapValues { crypto.sha256Hex($0) },
                                         osImage: osImage, parents: parents)
        // What is signed must read back as it was made: the same strict parser a box uses.
        do { statement = try ReleaseStatement.parse(statement.payload(), document: "the release statement") }
        catch { throw .trust(error) }
        return statement
    }

    static func isHardwareName(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count) && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7a) || "/._-".utf8.contains($0) }
    }
}
