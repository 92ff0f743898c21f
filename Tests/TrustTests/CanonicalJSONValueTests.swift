import Basics
import Foundation
import Testing
import TestSupport
@testable import Trust

@Suite struct CanonicalJSONValueTests {
    @Test(arguments: [
        (#"{"b":1,"a":[true,false,null],"c":{"z":"x","y":""}}"#, #"{"a":[true,false,null],"b":1,"c":{"y":"","z":"x"}}"#),
        // Only quote and backslash are escaped; everything else is written as its UTF-8.
        (#"{"k":"a\"b\\c\/d\u00e9\n"}"#, "{\"k\":\"a\\\"b\\\\c/d\u{e9}\n\"}"),
        // Keys sort by code point: upper case before lower case, "_" between them.
        (#"{"b":0,"_":0,"B":0,"é":0,"a":0}"#, #"{"B":0,"_":0,"a":0,"b":0,"é":0}"#),
        ("  [ 1 , -2 , 0 ]  ", "[1,-2,0]"),
    ])
    func canonicalForm(input: String, expected: String) throws {
        let node = try JSONReader.parse(Array(input.utf8))
        #expect(String(decoding: try CanonicalJSONValue.encode(node), as: UTF8.self) == expected)
    }

    @Test(arguments: ["1.5", "1e3", "[0.0]", #"{"a":-1E2}"#])
    func numbersWithFractionsHaveNoCanonicalForm(input: String) throws {
        let node = try JSONReader.parse(Array(input.utf8))
        #expect(throws: CanonicalJSONValue.NotCanonicalizable.self) { try CanonicalJSONValue.encode(node) }
    }
}

@Suite struct TrustTimeTests {
    /// The arithmetic agrees with Foundation's ISO 8601 formatter on seeded random instants
    /// from 1970 to 9999, both ways.
    @Test func parseAndFormatAgreeWithFoundation() {
        var random = SplitMix64.seeded(for: "parseAndFormatAgreeWithFoundation")
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        for _ in 0..<2000 {
            let seconds = TimeInterval(random.next() % 253_402_300_800)
            let date = Date(timeIntervalSince1970: seconds)
            let text = TrustTime.format(date)
            #expect(text == formatter.string(from: date), "seed \(random.seed)")
            #expect(TrustTime.parse(text) == date, "seed \(random.seed): \(text)")
        }
    }

    @Test(arguments: ["2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-04-31T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z",
                      "2026-01-01T00:00:60Z", "2026-01-01T00:00:00+00:00", "2026-01-01 00:00:00Z", "2026-01-01T00:00:00.0Z", "２026-01-01T00:00:00Z", "2026-1-01T00:00:00Z"])
    func malformedTimesAreRefused(text: String) {
        #expect(TrustTime.parse(text) == nil)
    }

    @Test func leapDaysAreDays() {
        #expect(TrustTime.parse("2028-02-29T12:00:00Z") != nil)
        #expect(TrustTime.parse("2000-02-29T12:00:00Z") != nil)
        #expect(TrustTime.parse("2100-02-29T12:00:00Z") == nil)
    }
}

@Suite struct StrictBase64Tests {
    /// Every length 0-64 of seeded random bytes: Foundation's encoding decodes to the bytes.
    @Test func decodesWhatFoundationEncodes() {
        var random = SplitMix64.seeded(for: "decodesWhatFoundationEncodes")
        for length in 0...64 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            #expect(Envelope.strictBase64(Data(bytes).base64EncodedString()) == bytes, "seed \(random.seed) length \(length)")
        }
    }

    @Test(arguments: ["QQ", "QQ=", "QR==", "QUI=x", "QUJD\n", "QU=D", "Q===", "QUJ-", "QUJ_", " QUJD", "QUJDRA=", "QUJDRB=="])
    func refusesWhatIsNotTheOneSpelling(text: String) {
        #expect(Envelope.strictBase64(text) == nil)
    }
}
