import Basics
import Testing

@Suite struct JSONPointerTests {
    // RFC 6901 §5's examples, and the order of the two escapes (~ first).
    @Test(arguments: [
        ("foo", "/foo"), ("", "/"), ("a/b", "/a~1b"), ("m~n", "/m~0n"), ("~1", "/~01"), ("example.com/role", "/example.com~1role"),
    ])
    func keysAreEscaped(key: String, pointer: String) {
        #expect(JSONPointer.appending("", key: key) == pointer)
    }

    @Test func stepsCompose() {
        #expect(JSONPointer.appending(JSONPointer.appending("/labels", key: "a/b"), index: 3) == "/labels/a~1b/3")
    }
}
