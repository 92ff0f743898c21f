import ArgumentParser
import Basics
import Trust
import TrustAuthoring

/// `imagesmith sign BUNDLE`: the release keys' signature over a release.
struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a release bundle: a statement of its files, counter, expiry, hardware, OS image and parents.",
        discussion: """
            Writes a DSSE envelope (BUNDLE.sig unless --out) that `rollback install` verifies \
            before anything is written on a box whose image carries a root of trust. Signing \
            the same statement again with another key adds that key's signature (set \
            SOURCE_DATE_EPOCH so that two signing steps make the same statement). The release \
            counter defaults to the version as one number (2026.12.3 -> 202612000003); a box \
            refuses a counter lower than the highest it has installed. Exit status: 0 signed, \
            64 usage, 65 a bundle, key or document that is not valid (or the release would be \
            revoked), 66 a missing file, 73 cannot write.
            """
    )

    @Argument(help: ArgumentHelp("The release bundle (.tar.gz) imagesmith build wrote.", valueName: "BUNDLE"))
    var bundle: String

    @Option(name: .customLong("key"), help: ArgumentHelp("A release private key (repeatable).", valueName: "KEY"))
    var signingKeys: [String] = []

    @Option(help: ArgumentHelp("The release counter (default: from the version).", valueName: "N"))
    var counter: UInt64?

    @Option(name: .customLong("expires-in"), help: ArgumentHelp("Days the release may be installed for (1-3650).", valueName: "DAYS"))
    var expiresIn = 180

    @Option(help: ArgumentHelp("Hardware it is for, as boxes name themselves (repeatable; default: its containers' platforms, e.g. linux/amd64).", valueName: "NAME"))
    var hardware: [String] = []

    @Option(name: .customLong("os-image"), help: ArgumentHelp("The OS image (root file system) the release ships: its sha256 is signed.", valueName: "FILE"))
    var osImage: String?

    @Option(name: .customLong("os-version"), help: ArgumentHelp("The version of --os-image (default: the release's).", valueName: "V"))
    var osVersion: String?

    @Option(help: ArgumentHelp("A parent image, NAME=sha256:HEX (repeatable; release.json's parents are included).", valueName: "NAME=DIGEST"))
    var parent: [String] = []

    @Option(help: ArgumentHelp("Where to write the signature (default BUNDLE.sig).", valueName: "FILE"))
    var out: String?

    @Option(help: ArgumentHelp("The root of trust: report the release threshold, and check --revocations with it.", valueName: "FILE"))
    var root: String?

    @Option(help: ArgumentHelp("A signed revocation list: refuse to sign a release it revokes.", valueName: "FILE"))
    var revocations: String?

    @Flag(help: "Print what was signed as JSON (a failure as {\"error\", \"exit_code\"}).")
    var json = false

    func validate() throws {
        if signingKeys.isEmpty { throw ValidationError("Give at least one --key.") }
        _ = try TrustDesk.parseDays(expiresIn, option: "--expires-in", range: 1...3650)
        if let osVersion, !BuildRunner.isValidVersion(osVersion) { throw ValidationError("--os-version '\(osVersion.printable)' must look like YYYY.MM.N.") }
        if let counter, counter >= 1 << 53 { throw ValidationError("--counter must be below 2^53.") }
        _ = try Self.parents(parent)
    }

    static func parents(_ texts: [String]) throws -> [ReleaseStatement.Parent] {
        try texts.map { text in
            guard let equals = text.firstIndex(of: "=") else { throw ValidationError("--parent '\(text.printable)' must be NAME=sha256:HEX.") }
            let name = String(text[..<equals]), digest = String(text[text.index(after: equals)...])
            let hex = digest.hasPrefix("sha256:") ? String(digest.dropFirst(7)) : ""
            guard !name.isEmpty, name.utf8.count <= 200, !name.hasControlCharacters, hex.utf8.count == 64,
                  hex.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
                throw ValidationError("--parent '\(text.printable)' must be NAME=sha256:HEX (64 lower-case hex digits).")
            }
            return ReleaseStatement.Parent(name: name, sha256: hex)
        }
    }

    struct Report: Encodable {
        var signature: String
        var image: String
        var version: String
        var releaseCounter: UInt64
        var expires: String
        var hardware: [String]
        var digest: String
        var keyids: [String]
        var validSignatures: Int?
        var threshold: Int?

        enum CodingKeys: String, CodingKey {
            case signature, image, version, releaseCounter = "release_counter", expires, hardware, digest, keyids
            case validSignatures = "valid_signatures", threshold
        }
    }

    func run() throws {
        let parents = try Self.parents(parent)
        try TrustCommandSupport.run(json: json) { () throws(AuthoringError) in
            let desk = try TrustCommandSupport.desk()
            let options = TrustDesk.ReleaseOptions(counter: counter, expiresInDays: expiresIn, hardware: hardware, osImage: osImage, osVersion: osVersion,
                                                   parents: parents, out: out, root: root, revocations: revocations)
            let (document, statement) = try desk.signRelease(bundle, options: options, signers: try TrustCommandSupport.signers(signingKeys))
            var lines = ["\(document.path): \(statement.image) \(statement.version), release counter \(statement.releaseCounter), expires \(statement.expires), for \(statement.hardware.joined(separator: ", "))",
                         "  \(statement.files.count) files\(statement.osImage.map { ", OS image \($0.version) sha256:\($0.sha256.prefix(16))…" } ?? "")\(statement.parents.isEmpty ? "" : ", parents " + statement.parents.map(\.name).joined(separator: ", "))",
                         "  signed by " + document.envelope.signatures.map { String($0.keyid.prefix(16)) }.joined(separator: ", ")]
            if let valid = document.valid, let threshold = document.threshold { lines.append("  " + TrustCommandSupport.thresholdLine("release keys", valid: valid, threshold: threshold)) }
            let report = Report(signature: document.path, image: statement.image, version: statement.version, releaseCounter: statement.releaseCounter,
                                expires: statement.expires, hardware: statement.hardware, digest: document.digest,
                                keyids: document.envelope.signatures.map(\.keyid), validSignatures: document.valid, threshold: document.threshold)
            return (lines, report)
        }
    }
}
