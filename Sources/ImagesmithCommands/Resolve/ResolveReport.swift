import Basics
import Foundation
import ImageReference
import RegistryClient
import Lock

/// Renders resolutions as text lines or deterministic JSON.
public enum ResolveReport {
    struct Entry: Encodable {
        struct PlatformItem: Encodable {
            var os: String
            var architecture: String
            var variant: String?
            var digest: String
        }
        var reference: String
        var name: String
        var pinned: String
        var digest: String
        var mediaType: String
        var size: Int
        var platforms: [PlatformItem]?
        var platform: String?
        var platformDigest: String?

        enum CodingKeys: String, CodingKey {
            case reference, name, pinned, digest, mediaType = "media_type", size, platforms, platform, platformDigest = "platform_digest"
        }
    }

    /// What `resolve --json` prints when any reference failed (nothing is pinned then).
    struct Failure: Encodable {
        var error: String
        var exitCode: Int32
        var failures: [Entry]

        struct Entry: Encodable {
            var reference: String
            var error: String
        }

        enum CodingKeys: String, CodingKey { case error, exitCode = "exit_code", failures }
    }

    static func failureJSON(_ summary: String, status: ExitStatus, failures: [(given: String, error: String)]) -> String {
        CanonicalJSON.text(Failure(error: summary, exitCode: status.rawValue, failures: failures.map { .init(reference: $0.given.redactingCredentials, error: $0.error.redactingCredentials) }))
    }

    public static func lines(_ resolved: [(given: String, image: ResolvedImage)]) -> String {
        resolved.map { given, image in
            var line = "\(given) \(image.pinned)"
            if let child = image.platformDigest { line += " \(image.reference.pinned(to: child))" }
            return line + "\n"
        }.joined()
    }

    public static func json(_ resolved: [(given: String, image: ResolvedImage)]) -> String {
        let entries = resolved.map { given, image in
            Entry(
                reference: given, name: image.reference.name, pinned: image.pinned,
                digest: image.digest.description, mediaType: image.mediaType, size: image.size,
                platforms: image.platforms?.map {
                    .init(os: $0.platform.os, architecture: $0.platform.architecture, variant: $0.platform.variant, digest: $0.digest.description)
                },
                platform: image.platform?.description, platformDigest: image.platformDigest?.description
            )
        }
        return String(CanonicalJSON.text(entries).dropLast())
    }
}
