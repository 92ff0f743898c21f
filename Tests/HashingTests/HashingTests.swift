import Foundation
import ImageReference
import Testing
@testable import Hashing

@Suite struct HashingTests {
    @Test(arguments: [
        ("", "sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "sha256", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abc", "sha384", "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"),
        ("abc", "sha512", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
    ])
    func knownVectors(input: String, algorithm: String, hex: String) throws {
        #expect(try Hash.hex(Array(input.utf8), algorithm: algorithm) == hex)
    }

    @Test func streamingEqualsOneShot() throws {
        let data = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let context = try DigestContext()
        for chunk in stride(from: 0, to: data.count, by: 7919) {
            try context.update(data[chunk..<min(chunk + 7919, data.count)])
        }
        #expect(try context.finalizeHex() == Hash.hex(data))
    }

    @Test func digesterProducesValidatedDigests() throws {
        let digest = try OpenSSLDigester().digest(of: Array("abc".utf8), algorithm: .sha256)
        #expect(digest.description == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func fileHashing() throws {
        let path = NSTemporaryDirectory() + "/edge-hash-\(UUID().uuidString)"
        try Data("abc".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try Hash.fileHex(at: path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func unknownAlgorithmIsAnError() {
        #expect(throws: HashingError.self) { try DigestContext(algorithm: "no-such-digest") }
    }
}
