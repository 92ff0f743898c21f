/// An OCI platform (`os/architecture[/variant]`), normalized the way containerd does, so
/// `linux/aarch64` is `linux/arm64` and `arm64` without a variant means `v8`.
public struct Platform: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let os: String
    public let architecture: String
    public let variant: String?

    public init(os: String, architecture: String, variant: String? = nil) {
        self.os = os.lowercased()
        let (arch, defaultVariant) = Self.normalizeArchitecture(architecture.lowercased())
        self.architecture = arch
        let given = variant.flatMap { $0.isEmpty ? nil : $0.lowercased() } ?? defaultVariant
        self.variant = given.map { Self.normalizeVariant($0, architecture: arch) }
    }

    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3 else {
            throw ReferenceError.invalidPlatform(text, reason: "it has \(parts.count) part\(parts.count == 1 ? "" : "s")")
        }
        // Components start with a letter or digit: `..` or `.x` would be a path step wherever a
        // platform becomes part of a file name.
        for part in parts where part.isEmpty || !Registry.isAlnum(part.utf8.first ?? 0)
            || !part.utf8.allSatisfy({ Registry.isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }) {
            throw ReferenceError.invalidPlatform(text, reason: "'\(part)' is not a platform component")
        }
        self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
    }

    static func normalizeArchitecture(_ arch: String) -> (String, String?) {
        switch arch {
        case "x86_64", "x86-64", "amd64": return ("amd64", nil)
        case "aarch64", "arm64": return ("arm64", nil)
        case "armhf": return ("arm", "v7")
        case "armel": return ("arm", "v6")
        case "i386", "386": return ("386", nil)
        default: return (arch, nil)
        }
    }

    static func normalizeVariant(_ variant: String, architecture: String) -> String {
        if (architecture == "arm" || architecture == "arm64"), let first = variant.first, first.isNumber {
            return "v" + variant
        }
        return variant
    }

    /// The variant used for matching: arm64 defaults to v8, arm to v7.
    public var effectiveVariant: String? {
        if let variant { return variant }
        switch architecture {
        case "arm64": return "v8"
        case "arm": return "v7"
        default: return nil
        }
    }

    /// Attestation manifests in buildx indexes are marked `unknown/unknown`.
    public var isUnknown: Bool { os == "unknown" && architecture == "unknown" }

    /// Whether an index entry for `other` satisfies a request for `self`.
    public func matches(_ other: Platform) -> Bool {
        os == other.os && architecture == other.architecture && effectiveVariant == other.effectiveVariant
    }

    public var description: String {
        variant.map { "\(os)/\(architecture)/\($0)" } ?? "\(os)/\(architecture)"
    }

    public static func < (lhs: Platform, rhs: Platform) -> Bool { lhs.description < rhs.description }
}
