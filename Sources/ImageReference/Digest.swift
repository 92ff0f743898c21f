/// A content digest such as `sha256:4f5c...`: a registered algorithm and its lower-case hex
/// encoding of the right length (go-digest's rules).
public struct Digest: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public enum Algorithm: String, Sendable, CaseIterable, Codable {
        case sha256, sha384, sha512

        /// Length of the hex encoding.
        public var hexLength: Int {
            switch self {
            case .sha256: 64
            case .sha384: 96
            case .sha512: 128
            }
        }
    }

    public let algorithm: Algorithm
    public let encoded: String

    public init(algorithm: Algorithm, encoded: String) throws {
        let text = "\(algorithm.rawValue):\(encoded)"
        guard encoded.utf8.count == algorithm.hexLength else {
            throw ReferenceError.invalidDigest(text, reason: "\(algorithm.rawValue) needs \(algorithm.hexLength) hex characters, found \(encoded.utf8.count)")
        }
        guard encoded.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
            throw ReferenceError.invalidDigest(text, reason: "the encoded part must be lower-case hexadecimal")
        }
        self.algorithm = algorithm
        self.encoded = encoded
    }

    /// Parses `algorithm:hex`.
    public init(parsing text: String) throws {
        guard let colon = text.firstIndex(of: ":") else {
            throw ReferenceError.invalidDigest(text, reason: "expected algorithm:hex, e.g. sha256:<64 hex characters>")
        }
        let algorithmText = String(text[..<colon])
        let encoded = String(text[text.index(after: colon)...])
        guard Self.isValidAlgorithmSyntax(algorithmText) else {
            throw ReferenceError.invalidDigest(text, reason: "'\(algorithmText)' is not a digest algorithm name")
        }
        guard let algorithm = Algorithm(rawValue: algorithmText) else {
            throw ReferenceError.unsupportedDigestAlgorithm(algorithmText)
        }
        try self.init(algorithm: algorithm, encoded: encoded)
    }

    /// algorithm := component ([+._-] component)*, component := [a-z0-9]+
    static func isValidAlgorithmSyntax(_ text: String) -> Bool {
        var previousWasSeparator = true
        for byte in text.utf8 {
            let isComponent = (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39)
            let isSeparator = byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            if isComponent { previousWasSeparator = false }
            else if isSeparator && !previousWasSeparator { previousWasSeparator = true }
            else { return false }
        }
        return !text.isEmpty && !previousWasSeparator
    }

    public var description: String { "\(algorithm.rawValue):\(encoded)" }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.description < rhs.description }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        try self.init(parsing: try container.decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
