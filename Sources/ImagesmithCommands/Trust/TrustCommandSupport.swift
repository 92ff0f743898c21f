import ArgumentParser
import Basics
import Foundation
import HostIO
import Signing
import Trust
import TrustAuthoring

/// What the key, root and signing commands share: the desk they work at (the disk, OpenSSL,
/// the time documents are issued: SOURCE_DATE_EPOCH when set), the keys named with --key,
/// and one way to end.
enum TrustCommandSupport {
    static func desk() throws(AuthoringError) -> TrustDesk {
        switch BuildRunner.sourceDateEpoch(ProcessInfo.processInfo.environment) {
        case .failure(let failure): throw .usage(failure.message)
        case .success(let date): return TrustDesk(files: LocalFileSystem(), now: date ?? Date())
        }
    }

    static func signers(_ paths: [String]) throws(AuthoringError) -> [any TrustSigning] {
        var signers: [any TrustSigning] = []
        for path in paths {
            let signer = try KeyFiles.signer(path)
            guard !signers.contains(where: { $0.key.keyid == signer.key.keyid }) else { throw .usage("key \(path) is given twice") }
            signers.append(signer)
        }
        return signers
    }

    static func publicKeys(_ paths: [String]) throws(AuthoringError) -> [TrustKey]? {
        guard !paths.isEmpty else { return nil }
        var keys: [TrustKey] = []
        for path in paths { keys.append(try KeyFiles.publicKey(path)) }
        return keys
    }

    /// Runs `body`; prints its lines (or its JSON), or the failure; ends with its status.
    static func run(json: Bool = false, _ body: () throws(AuthoringError) -> CommandResult) throws {
        do {
            CommandOutput.standard.print(try body(), json: json)
        } catch {
            throw CommandOutput.standard.exit(error, status: error.exitStatus, json: json)
        }
    }

    static func keyLine(_ key: TrustKey) -> String { "\(key.keyid) (ed25519 \(key.publicHex))" }

    static func thresholdLine(_ name: String, valid: Int, threshold: Int) -> String {
        "\(name): \(valid) of \(threshold) required signature\(threshold == 1 ? "" : "s")\(valid >= threshold ? " (complete)" : " (needs \(threshold - valid) more)")"
    }
}

extension TrustDesk {
    static func parseDays(_ text: Int, option: String, range: ClosedRange<Int>) throws -> Int {
        guard range.contains(text) else { throw ValidationError("\(option) must be \(range.lowerBound) to \(range.upperBound) days, not \(text).") }
        return text
    }
}
