import Basics
import Foundation
import Signing
import Trust

/// Keys, roots, releases and envelopes made for the trust tests, with OpenSSL.
struct TrustFixtures {
    let crypto = OpenSSLTrustCrypto()
    let rootKeys: [Ed25519Signer]
    let releaseKeys: [Ed25519Signer]
    let now = Date(timeIntervalSince1970: 1_796_000_000)  // 2026-11-30

    init(rootKeys: Int = 1, releaseKeys: Int = 1) throws {
        self.rootKeys = try (0..<rootKeys).map { _ in Ed25519Signer(try Ed25519PrivateKey.generate()) }
        self.releaseKeys = try (0..<releaseKeys).map { _ in Ed25519Signer(try Ed25519PrivateKey.generate()) }
    }

    static func signer() throws -> Ed25519Signer { Ed25519Signer(try Ed25519PrivateKey.generate()) }

    func draft(version: UInt64 = 1, rootThreshold: Int = 1, releaseThreshold: Int = 1, days: Double = 365) -> RootDraft {
        RootDraft(version: version, expires: now.addingTimeInterval(days * 86_400), rootKeys: rootKeys.map(\.key), rootThreshold: rootThreshold,
                  releaseKeys: releaseKeys.map(\.key), releaseThreshold: releaseThreshold)
    }

    func root(_ draft: RootDraft? = nil, signers: [Ed25519Signer]? = nil) throws -> RootMetadata {
        try RootMetadata.parse(try (draft ?? self.draft()).signed(by: signers ?? rootKeys), document: "root.json", crypto: crypto)
    }

    func statement(version: String = "2026.12.1", counter: UInt64 = 202612000001, files: [String: [UInt8]], hardware: [String] = ["linux/amd64"],
                   expiresIn days: Double = 90, osImage: ReleaseStatement.OSImage? = nil, parents: [ReleaseStatement.Parent] = []) -> ReleaseStatement {
        ReleaseStatement(image: "edge", version: version, releaseCounter: counter, issuedAt: now.addingTimeInterval(-3600),
                         expires: now.addingTimeInterval(days * 86_400), hardware: hardware,
                         files: files.mapValues { crypto.sha256Hex($0) }, osImage: osImage, parents: parents)
    }

    func envelope(_ statement: ReleaseStatement, signers: [Ed25519Signer]? = nil) throws -> [UInt8] {
        try Envelope.signing(statement.payload(), type: ReleaseStatement.payloadType, by: signers ?? releaseKeys).encoded()
    }

    static let files: [String: [UInt8]] = ["release.json": Array("{}".utf8), "SHA256SUMS": Array("sums\n".utf8), "edge.lock.json": Array("{\"lock\":1}".utf8)]
}
