import Basics
import Foundation
import HTTPCore
@testable import Provisioning
import Testing

/// Redaction by construction: what a dashboard answers is reduced to chosen fields, and a
/// field that may echo the claim token in any spelling is withheld. Each row is one way a
/// server could echo the token; none may let any 8-character piece of it through.
@Suite struct ResponseSummaryTests {
    static let token = "Zq7-claim/token+for_store-0042=="

    static func body(_ text: String) -> HTTPResponse {
        HTTPResponse(status: 400, headers: HTTPHeaders(), body: Array(text.utf8))
    }

    static func jsonString(_ text: String) -> String {
        String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
    }

    static var echoes: [(String, String)] {
        let token = Self.token
        let bytes = Array(token.utf8)
        let percent = bytes.map { String(format: "%%%02X", $0) }.joined()
        let partlyPercent = token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? token
        return [
            ("as is", token),
            ("in a sentence", "claim token \(token) was already used"),
            ("JSON-escaped slashes", token.replacingOccurrences(of: "/", with: "\\/")),
            ("every character \\u-escaped", bytes.map { String(format: "\\u%04x", $0) }.joined()),
            ("URL-encoded, every byte", percent),
            ("URL-encoded, the usual way", partlyPercent),
            ("URL-encoded twice", partlyPercent.replacingOccurrences(of: "%", with: "%25")),
            ("form-encoded", "token=" + partlyPercent.replacingOccurrences(of: "%20", with: "+")),
            ("base64", Data(bytes).base64EncodedString()),
            ("base64 after one byte", Data(Array("x".utf8) + bytes).base64EncodedString()),
            ("base64 after two bytes", Data(Array("{\"".utf8) + bytes).base64EncodedString()),
            ("base64url", Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")),
            ("hex", bytes.map { String(format: "%02x", $0) }.joined()),
            ("upper case", token.uppercased()),
            ("cut after 9 characters", String(token.prefix(9))),
            ("its tail", String(token.suffix(12))),
            ("with its separators dropped", token.filter { $0.isLetter || $0.isNumber }),
        ]
    }

    @Test(arguments: echoes)
    func anEchoOfTheTokenIsWithheld(kind: String, echo: String) {
        #expect(ResponseSummary.mayCarry(echo, secret: Self.token), "\(kind)")
        for field in ["error", "message", "detail"] {
            let summary = ResponseSummary.text(Self.body("{\"\(field)\": \(Self.jsonString(echo))}"), secret: Self.token)
            #expect(summary.contains("withheld"), "\(kind): \(summary)")
            let letters = ResponseSummary.letters(summary)
            for start in 0...(Self.token.count - 8) {
                let piece = ResponseSummary.letters(String(Array(Self.token)[start..<(start + 8)]))
                guard piece.count == 8 else { continue }
                #expect(!ResponseSummary.contains(letters, piece[...]), "\(kind): \(summary)")
            }
        }
    }

    @Test(arguments: [
        ("{\"error\": \"invalid site id\"}", ": error=invalid site id"),
        ("{\"error\": \"bad\", \"code\": 4012}", ": error=bad; code=4012"),
        ("{\"message\": \"line one\\nline two\\u001b[31m\"}", ": message=line one\\u{a}line two\\u{1b}[31m"),
        ("not json at all", ": 15 bytes of answer, not shown"),
        ("{\"token_echo\": \"whatever\"}", ": 26 bytes of JSON without an error or message field, not shown"),
        ("", ""),
    ])
    func otherAnswersAreReducedToChosenPrintableFields(body: String, expected: String) {
        #expect(ResponseSummary.text(Self.body(body), secret: Self.token) == expected)
    }

    @Test func aSecretTooShortToRecogniseWithholdsEveryField() {
        #expect(ResponseSummary.mayCarry("anything at all", secret: "a-b"))
        #expect(ResponseSummary.text(Self.body("{\"error\": \"no\"}"), secret: "!!--??") == ": error=<withheld: it may echo the claim token>")
    }
}
