import Basics
import Testing

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
