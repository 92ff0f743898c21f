import Basics

/// Why a signed document was refused. Every case names the document and says what is wrong
/// and what was expected; nothing that carries a secret is ever in one.
public enum TrustError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The document cannot be read as what it claims to be (JSON, fields, encodings, sizes).
    case malformed(document: String, detail: String)
    /// Not enough valid signatures from the role's keys.
    case signatures(document: String, detail: String)
    /// Signed, but refused by a rule: expired, other hardware, older counter, revoked, files
    /// that do not match, a root version out of order.
    case refused(document: String, detail: String)
    /// Keys are configured and there is no signature at all.
    case unsigned(document: String)

    public var description: String {
        switch self {
        case .malformed(let document, let detail): "\(document) is not a valid signed document: \(detail.printableText(limit: 400))"
        case .signatures(let document, let detail): "\(document) is not signed as required: \(detail.printableText(limit: 400))"
        case .refused(let document, let detail): "\(document) is refused: \(detail.printableText(limit: 400))"
        case .unsigned(let document): "\(document) has no signature, and this box only installs signed releases (a root of trust is configured)"
        }
    }

    /// 65: every refusal is about the data given.
    public var exitStatus: ExitStatus { .dataError }
}
