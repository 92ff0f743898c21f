import Basics
import FoundationEssentials
import Testing

@Suite struct DecodingFailureTests {
    struct Inner: Decodable { var count: Int }
    struct Outer: Decodable { var name: String; var items: [Inner]; var labels: [String: Inner]? }

    static func failure(_ json: String) -> String {
        do { _ = try JSONDecoder().decode(Outer.self, from: Data(json.utf8)); return "decoded" }
        catch { return DecodingFailure.describe(error) }
    }

    // Every kind of problem names its place as a JSON Pointer, escapes included.
    @Test(arguments: [
        (#"{"items": []}"#, "missing /name"),
        (#"{"name": "x", "items": [{"count": 1}, {}]}"#, "missing /items/1/count"),
        (#"{"name": 7, "items": []}"#, "at /name: "),
        (#"{"name": "x", "items": [{"count": "many"}]}"#, "at /items/0/count: "),
        (#"{"name": "x", "items": [], "labels": {"a/b": {"count": null}}}"#, "at /labels/a~1b/count: "),
    ])
    func placesArePointers(json: String, expected: String) {
        let text = Self.failure(json)
        #expect(text.hasPrefix(expected), "\(text)")
    }
}
