import Basics
import Testing

/// The strict reader every JSON file and store record the tools read back goes through: the
/// classes of hostile input, each refused at its place.
@Suite struct StrictJSONTests {
    struct Record: Decodable, Equatable {
        struct Inner: Decodable, Equatable {
            var name: String
            var size: Int64?
        }
        var count: Int64
        var ratio: Double?
        var small: UInt8?
        var inner: Inner?
        var items: [Inner]?
        var labels: [String: String]?
        var flag: Bool?

        enum CodingKeys: String, CodingKey { case count, ratio, small, inner, items, labels, flag }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            count = try c.decode(Int64.self, forKey: .count)
            ratio = try c.decodeIfPresent(Double.self, forKey: .ratio)
            small = try c.decodeIfPresent(UInt8.self, forKey: .small)
            inner = try c.decodeIfPresent(Inner.self, forKey: .inner)
            items = try c.decodeIfPresent([Inner].self, forKey: .items)
            labels = try c.decodeIfPresent([String: String].self, forKey: .labels)
            flag = try c.decodeIfPresent(Bool.self, forKey: .flag)
            guard count >= 0 else { throw DecodingError.dataCorruptedError(forKey: .count, in: c, debugDescription: "must not be negative") }
        }
    }

    @Test func whatItWroteReadsBack() throws {
        let record = try StrictJSON.decode(Record.self, from: Array(#"{"count": 3, "ratio": 0.5, "small": 255, "inner": {"name": "a", "size": -2}, "items": [{"name": "b"}], "labels": {"any key": "v"}, "flag": false}"#.utf8), file: "r.json")
        #expect(record.count == 3 && record.ratio == 0.5 && record.small == 255 && record.inner == .init(name: "a", size: -2))
        #expect(record.items == [.init(name: "b", size: nil)] && record.labels == ["any key": "v"] && record.flag == false)
        // null stands for an absent optional.
        #expect(try StrictJSON.decode(Record.self, from: Array(#"{"count": 0, "ratio": null}"#.utf8), file: "r.json").ratio == nil)
    }

    /// (document, expected "line:col: pointer: message" fragment)
    @Test(arguments: [
        (#"{"count": 1, "colour": 2}"#, "1:14: /colour: unknown key 'colour'; expected one of: count, flag, inner, items, labels, ratio, small"),
        (#"{"count": 1, "inner": {"name": "a", "nmae": "b"}}"#, "/inner/nmae: unknown key 'nmae'; expected one of: name, size"),
        (#"{"count": 1, "items": [{"name": "a"}, {"name": "b", "x": 1}]}"#, "/items/1/x: unknown key 'x'"),
        (#"{"count": 1, "count": 2}"#, "1:14: /count: not valid JSON: duplicate key 'count'"),
        (#"{"count": 1, "inner": {"name": "a", "name": "b"}}"#, "/inner/name: not valid JSON: duplicate key 'name'"),
        (#"{"count": 1e400}"#, "1:11: /count: 1e400 is not a whole number; expected one from -9223372036854775808 to 9223372036854775807"),
        (#"{"count": 9223372036854775808}"#, "/count: 9223372036854775808 is out of range"),
        (#"{"count": 1.5}"#, "/count: 1.5 is not a whole number"),
        (#"{"count": -0}"#, "/count: -0 is not a whole number"),
        (#"{"count": 1, "small": 256}"#, "/small: 256 is out of range; expected a whole number from 0 to 255"),
        (#"{"count": 1, "ratio": 1e400}"#, "/ratio: 1e400 is out of range; expected a finite number"),
        (#"{"count": "1"}"#, "/count: expected a whole number"),
        (#"{"count": 1, "flag": "yes"}"#, "/flag: expected true or false"),
        (#"{"count": 1, "inner": {}}"#, "/inner: missing required key 'name'"),
        (#"{"ratio": 1}"#, "1:1: /: missing required key 'count'"),
        (#"{"count": -1}"#, "1:11: /count: must not be negative"),
        (#"{"count": 1, "items": {"name": "a"}}"#, "/items: expected an array"),
        (#"[1]"#, "1:1: /: expected an object"),
        (#"{"count": 1} x"#, "not valid JSON: unexpected text after the JSON value"),
    ])
    func hostileInputIsRefusedAtItsPlace(_ document: String, _ expected: String) {
        do {
            _ = try StrictJSON.decode(Record.self, from: Array(document.utf8), file: "r.json")
            Issue.record("\(document) was accepted")
        } catch {
            #expect(error.description.contains("r.json:\(expected)") || error.detail.contains(expected), "\(document): \(error)")
        }
    }

    @Test func theSizeIsCappedBeforeParsing() {
        #expect(throws: StrictJSONError.self) { try StrictJSON.decode(Record.self, from: Array(#"{"count": 1}"#.utf8), file: "r.json", maximumBytes: 4) }
    }
}
