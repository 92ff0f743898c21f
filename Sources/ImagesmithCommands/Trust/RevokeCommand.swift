import ArgumentParser
import Basics
import Foundation
import Trust
import TrustAuthoring

/// `imagesmith revoke LIST`: adds releases or images to the signed revocation list.
struct RevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke releases (by counter) or images (by sha256) in a signed revocation list.",
        discussion: """
            Writes LIST one version newer (version 1 when it does not exist), every earlier \
            entry kept, signed by the release keys. A sha256 revokes whatever has it: a \
            release (the digest `imagesmith sign` prints), an OS image, or a parent image, and \
            with it every release built on it. Boxes take it with `rollback trust \
            revocations LIST`; a box never goes back to an older list. Exit status: 0 written, \
            64 usage, 65 a list or key that is not valid, 66 a missing file, 73 cannot write.
            """
    )

    @Argument(help: ArgumentHelp("The revocation list to update (made if missing).", valueName: "LIST"))
    var list: String

    @Option(name: .customLong("key"), help: ArgumentHelp("A release private key (repeatable).", valueName: "KEY"))
    var signingKeys: [String] = []

    @Option(help: ArgumentHelp("A release to revoke, IMAGE@COUNTER (repeatable).", valueName: "IMAGE@COUNTER"))
    var release: [String] = []

    @Option(help: ArgumentHelp("A digest to revoke, sha256:HEX (repeatable).", valueName: "DIGEST"))
    var sha256: [String] = []

    @Option(help: ArgumentHelp("Why (shown by `rollback status` on every box).", valueName: "TEXT"))
    var reason: String

    @Option(help: ArgumentHelp("When the revocation takes effect (YYYY-MM-DDTHH:MM:SSZ; default now).", valueName: "TIME"))
    var effective: String?

    @Option(help: ArgumentHelp("The root of trust: the existing list must be signed by its release keys.", valueName: "FILE"))
    var root: String?

    func validate() throws {
        if signingKeys.isEmpty { throw ValidationError("Give at least one --key.") }
        if release.isEmpty && sha256.isEmpty { throw ValidationError("Name what to revoke: --release IMAGE@COUNTER or --sha256 sha256:HEX.") }
        if reason.isEmpty || reason.utf8.count > 400 || reason.hasControlCharacters { throw ValidationError("--reason must be 1 to 400 printable characters.") }
        if let effective, TrustTime.parse(effective) == nil { throw ValidationError("--effective '\(effective.printable)' must be YYYY-MM-DDTHH:MM:SSZ.") }
        _ = try entries(at: Date())
    }

    func entries(at now: Date) throws -> [RevocationList.Entry] {
        let when = effective.flatMap(TrustTime.parse) ?? Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        var entries: [RevocationList.Entry] = []
        for text in release {
            let parts = text.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 63,
                  parts[0].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }),
                  parts[1].allSatisfy(\.isASCIIDigit), let counter = UInt64(parts[1]), counter < 1 << 53 else {
                throw ValidationError("--release '\(text.printable)' must be IMAGE@COUNTER, e.g. edge-analytics@202612000003.")
            }
            entries.append(.init(image: String(parts[0]), releaseCounter: counter, effective: when, reason: reason))
        }
        for text in sha256 {
            let hex = text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text
            guard hex.utf8.count == 64, hex.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
                throw ValidationError("--sha256 '\(text.printable)' must be sha256:HEX (64 lower-case hex digits).")
            }
            entries.append(.init(sha256: hex, effective: when, reason: reason))
        }
        return entries
    }

    func run() throws {
        try TrustCommandSupport.run { () throws(AuthoringError) in
            let desk = try TrustCommandSupport.desk()
            let made: [RevocationList.Entry]
            do { made = try entries(at: desk.now) } catch { throw .usage("\(error)") }
            let (document, list) = try desk.revoke(list, entries: made, signers: try TrustCommandSupport.signers(signingKeys), root: root)
            var lines = ["\(document.path): revocation list version \(list.version), \(list.entries.count) entr\(list.entries.count == 1 ? "y" : "ies")"]
            if let valid = document.valid, let threshold = document.threshold { lines.append("  " + TrustCommandSupport.thresholdLine("release keys", valid: valid, threshold: threshold)) }
            return (lines, nil)
        }
    }
}
