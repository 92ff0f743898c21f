/// One challenge from a `WWW-Authenticate` header (RFC 7235 §4.1): a scheme and either
/// auth-params or a token68.
public struct AuthChallenge: Sendable, Equatable {
    public var scheme: String
    /// Parameters in order; names are lower-cased (they are case-insensitive), values unescaped.
    public var parameters: [(name: String, value: String)]
    public var token68: String?

    public init(scheme: String, parameters: [(name: String, value: String)] = [], token68: String? = nil) {
        self.scheme = scheme
        self.parameters = parameters
        self.token68 = token68
    }

    public static func == (lhs: AuthChallenge, rhs: AuthChallenge) -> Bool {
        lhs.scheme == rhs.scheme && lhs.token68 == rhs.token68
            && lhs.parameters.elementsEqual(rhs.parameters) { $0.name == $1.name && $0.value == $1.value }
    }

    public func parameter(_ name: String) -> String? {
        let lowered = name.lowercased()
        return parameters.first { $0.name == lowered }?.value
    }

    /// All values of a parameter that may repeat (`scope`), each split on spaces as the
    /// distribution token spec allows.
    public func scopes() -> [String] {
        parameters.filter { $0.name == "scope" }.flatMap { $0.value.split(separator: " ").map(String.init) }
    }

    public var isBearer: Bool { scheme.lowercased() == "bearer" }
    public var isBasic: Bool { scheme.lowercased() == "basic" }

    /// Parses every challenge in the given header values (a response may carry several headers,
    /// each with several comma-separated challenges). Malformed trailing input is dropped.
    public static func parse(_ headerValues: [String]) -> [AuthChallenge] {
        headerValues.flatMap { value in
            var parser = ChallengeParser(Array(value.utf8))
            return parser.parseAll()
        }
    }
}

/// A small scanner for RFC 7235's grammar:
///   challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
///   auth-param = token BWS "=" BWS ( token / quoted-string )
struct ChallengeParser {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func parseAll() -> [AuthChallenge] {
        var challenges: [AuthChallenge] = []
        while true {
            skipSeparators()
            guard index < bytes.count, let scheme = readToken() else { break }
            var challenge = AuthChallenge(scheme: scheme)
            skipSpaces()
            // token68: token68 chars followed by optional '=' padding, then end or comma.
            let save = index
            if let candidate = readToken68(), isAtChallengeEnd() {
                challenge.token68 = candidate
                challenges.append(challenge)
                continue
            }
            index = save
            // auth-params until a new challenge begins.
            while true {
                skipOWS()
                let paramStart = index
                guard let name = readToken() else { break }
                skipOWS()
                guard peek() == UInt8(ascii: "=") else {
                    // Not a parameter: this token starts the next challenge.
                    index = paramStart
                    break
                }
                index += 1
                skipOWS()
                let value: String
                if peek() == UInt8(ascii: "\"") {
                    guard let quoted = readQuotedString() else { return challenges + [challenge] }
                    value = quoted
                } else {
                    value = readToken() ?? ""
                }
                challenge.parameters.append((name.lowercased(), value))
                skipOWS()
                if peek() == UInt8(ascii: ",") {
                    index += 1
                    // Skip empty list elements ("a=1, , b=2").
                    while true {
                        skipOWS()
                        if peek() == UInt8(ascii: ",") { index += 1 } else { break }
                    }
                } else {
                    break
                }
            }
            challenges.append(challenge)
            if index == bytes.count { break }
            // Anything else unparseable: stop rather than loop.
            if index < bytes.count, !isTokenChar(bytes[index]), bytes[index] != UInt8(ascii: ",") {
                break
            }
        }
        return challenges
    }

    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipSpaces() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
    }
    mutating func skipOWS() { skipSpaces() }
    mutating func skipSeparators() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == UInt8(ascii: ",") { index += 1 }
    }

    func isAtChallengeEnd() -> Bool {
        var probe = index
        while probe < bytes.count, bytes[probe] == 0x20 || bytes[probe] == 0x09 { probe += 1 }
        return probe == bytes.count || bytes[probe] == UInt8(ascii: ",")
    }

    static let tokenSpecials: Set<UInt8> = Set("!#$%&'*+-.^_`|~".utf8)
    func isTokenChar(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || Self.tokenSpecials.contains(b)
    }

    mutating func readToken() -> String? {
        let start = index
        while index < bytes.count, isTokenChar(bytes[index]) { index += 1 }
        return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
    }

    mutating func readToken68() -> String? {
        let start = index
        let extra = Set("-._~+/".utf8)
        while index < bytes.count {
            let b = bytes[index]
            if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || extra.contains(b) { index += 1 } else { break }
        }
        guard index > start else { return nil }
        while index < bytes.count, bytes[index] == UInt8(ascii: "=") { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// quoted-string with quoted-pair escapes (`\"`, `\\`).
    mutating func readQuotedString() -> String? {
        guard peek() == UInt8(ascii: "\"") else { return nil }
        index += 1
        var value: [UInt8] = []
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\\") {
                guard index + 1 < bytes.count else { return nil }
                value.append(bytes[index + 1])
                index += 2
            } else if b == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: value, as: UTF8.self)
            } else {
                value.append(b)
                index += 1
            }
        }
        return nil
    }
}
