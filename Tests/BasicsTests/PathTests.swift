import Basics
import Testing

@Suite struct PathTests {
    // The NSString semantics the toolchain relied on before it left full Foundation.
    @Test(arguments: [
        ("/etc/netplan/60-edge.yaml", "/etc/netplan", "60-edge.yaml"),
        ("/etc", "/", "etc"),
        ("/", "/", "/"),
        ("name.json", "", "name.json"),
        ("dir/name.json", "dir", "name.json"),
        ("/var/lib/edge/", "/var/lib", "edge"),
        ("a//b", "a", "b"),
    ])
    func parentAndName(path: String, parent: String, name: String) {
        #expect(Path.parent(path) == parent)
        #expect(Path.name(path) == name)
    }

    @Test func directoryOfABareNameIsTheWorkingDirectory() {
        #expect(Path.directory("lock.json") == ".")
        #expect(Path.directory("/tmp/x") == "/tmp")
    }

    @Test(arguments: [("/a", "b", "/a/b"), ("/a/", "b", "/a/b"), ("/a", "/b", "/a/b"), ("", "b", "b"), ("/a/", "/b", "/a/b")])
    func join(base: String, name: String, joined: String) {
        #expect(Path.join(base, name) == joined)
    }
}

@Suite struct TextTests {
    @Test(arguments: [("  a b \n", "a b"), ("\t\r\n", ""), ("x", "x"), ("\n token\n", "token")])
    func trimmed(text: String, expected: String) {
        #expect(text.trimmed == expected)
    }

    @Test func hexIsZeroPaddedToTheWidth() {
        #expect(UInt8(0x0a).paddedHex == "0a")
        #expect(UInt8(0xff).paddedHex == "ff")
        #expect(UInt16(0x1).paddedHex == "0001")
    }

    @Test func onlyASCIIDigitsAreDigits() {
        #expect(Character("7").isASCIIDigit)
        #expect(!Character("７").isASCIIDigit) // fullwidth seven
        #expect(!Character("٣").isASCIIDigit)  // Arabic-Indic three
    }
}
