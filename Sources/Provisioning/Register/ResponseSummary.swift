import Basics
import FoundationEssentials
import HTTPCore
import SiteSpec

/// What of a dashboard's answer may be shown or journaled, reduced to fields chosen here:
/// the `error`, `message`, `detail` and `code` strings of a JSON object body. A field is shown
/// only when it cannot carry the secret in any spelling a server might echo it in (as is,
/// JSON-escaped, URL-encoded, base64 at any alignment, hex, in another case, or cut short:
/// any 8-character piece of it), cut at 200 characters and made printable. Any other body is
/// described by its size, never quoted. Redaction by construction: nothing the server sent
/// reaches a terminal or a file unless it passed this filter.
package enum ResponseSummary {
    static let fields = ["error", "message", "detail", "code"]
    /// The shortest piece of the secret that counts as the secret.
    static let pieceLength = 8

    /// ": field=value; ..." or ": N bytes, not shown", or "" for an empty body.
    package static func text(_ response: HTTPResponse, secret: String) -> String {
        guard !response.body.isEmpty else { return "" }
        guard let json = try? JSONReader.parse(response.body, maximumBytes: 64 << 10), case .object(let members) = json.value else {
            return ": \(response.body.count) bytes of answer, not shown"
        }
        var shown: [String] = []
        for name in fields {
            guard let member = members.first(where: { $0.key == name }) else { continue }
            let value: String
            switch member.value.value {
            case .string(let text): value = text
            case .number(let text): value = text
            default: continue
            }
            shown.append(mayCarry(value, secret: secret) ? "\(name)=<withheld: it may echo the claim token>" : "\(name)=\(value.printableText(limit: 200))")
        }
        return shown.isEmpty ? ": \(response.body.count) bytes of JSON without an error or message field, not shown" : ": " + shown.joined(separator: "; ")
    }

    /// Whether `text` may hold the secret: any 8-character piece of it (or of its base64 at
    /// each of the three alignments, or of its hex), compared after undoing URL encoding
    /// (twice) and ignoring case and everything but ASCII letters and digits. A secret with
    /// fewer than 8 letters and digits cannot be told apart from ordinary text: then any
    /// non-empty text may carry it.
    package static func mayCarry(_ text: String, secret: String) -> Bool {
        guard !secret.isEmpty, !text.isEmpty else { return false }
        let plain = letters(secret)
        if plain.count < pieceLength { return true }
        let once = text.replacing("+", with: " ").percentDecoded
        let haystacks = [letters(text), letters(once), letters(once.percentDecoded), letters(unescaped(text))]
        for needle in needles(secret) where needle.count >= pieceLength {
            for start in 0...(needle.count - pieceLength) {
                let piece = needle[start..<(start + pieceLength)]
                if haystacks.contains(where: { contains($0, piece) }) { return true }
            }
        }
        return false
    }

    /// The spellings of the secret looked for: as is, base64 at the three alignments (without
    /// the characters that depend on what surrounds it), hex.
    static func needles(_ secret: String) -> [[UInt8]] {
        let bytes = Array(secret.utf8)
        var result = [letters(secret)]
        for shift in 0..<3 {
            let encoded = Array(Data(Array(repeating: 0x20, count: shift) + bytes).base64EncodedString().utf8)
            // The first group mixes the padding bytes in; the last one what follows the secret.
            let inner = encoded.dropFirst(shift == 0 ? 0 : 4).dropLast(4)
            result.append(letters(String(decoding: inner, as: UTF8.self)))
        }
        result.append(letters(bytes.map(\.paddedHex).joined()))
        return result
    }

    /// `\uXXXX` and `\xXX` escapes undone (a body that was JSON-encoded twice, or C-escaped).
    static func unescaped(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        let input = Array(text.unicodeScalars)
        var index = 0
        while index < input.count {
            if input[index] == "\\", index + 1 < input.count, input[index + 1] == "u" || input[index + 1] == "x" {
                let width = input[index + 1] == "u" ? 4 : 2
                let digits = String(String.UnicodeScalarView(input.dropFirst(index + 2).prefix(width)))
                if digits.count == width, let value = UInt32(digits, radix: 16), let scalar = Unicode.Scalar(value) {
                    scalars.append(scalar)
                    index += 2 + width
                    continue
                }
            }
            scalars.append(input[index])
            index += 1
        }
        return String(scalars)
    }

    static func letters(_ value: String) -> [UInt8] {
        Array(value.lowercased().utf8.filter { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7a) })
    }

    static func contains(_ haystack: [UInt8], _ needle: ArraySlice<UInt8>) -> Bool {
        guard needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        return false
    }
}
