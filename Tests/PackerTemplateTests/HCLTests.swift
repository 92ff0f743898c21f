import Basics
import Foundation
import Testing
import TestSupport
@testable import PackerTemplate

@Suite struct HCLEscapeTests {
    @Test(arguments: [
        ("plain", "plain"),
        ("say \"hi\"", #"say \"hi\""#),
        (#"C:\path"#, #"C:\\path"#),
        ("a\nb\tc\rd", #"a\nb\tc\rd"#),
        ("${var.secret}", "$${var.secret}"),
        ("%{ if true }x%{ endif }", "%%{ if true }x%%{ endif }"),
        ("$HOME and $(pwd) and %d", "$HOME and $(pwd) and %d"),
        ("$${already}", "$$${already}"),
        ("bell\u{07}", #"bell\u0007"#),
        ("ünïcødé ✓", "ünïcødé ✓"),
    ])
    func escapes(input: String, expected: String) {
        #expect(HCL.escape(input) == expected)
        #expect(HCL.unescape(expected) == input)
    }

    /// Property: for any string, the escaped form reads back as the same string and contains
    /// no live interpolation or directive. Seeded, so a failure reproduces.
    @Test func escapeRoundTripsRandomStrings() {
        var generator = SplitMix64(seed: 0xED6E_1A6E)
        let alphabet: [String] = ["$", "{", "}", "%", "\"", "\\", "\n", "\r", "\t", "a", "Z", "0", " ", "é", "✓", "\u{01}", "\u{7f}", "$$", "${", "%{", "\\n"]
        for _ in 0..<5_000 {
            let length = Int(generator.next() % 24)
            let text = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }.joined()
            let escaped = HCL.escape(text)
            #expect(HCL.unescape(escaped) == text, "round trip failed for \(text.debugDescription) -> \(escaped.debugDescription)")
            #expect(!escaped.contains("\n") && !escaped.contains("\r"))
        }
    }

    @Test func renderingAlignsRunsOfSingleLineAttributes() {
        let text = HCL.render([
            .block(HCL.Block("source", ["null", "x"], [
                .attribute("a", .string("1")),
                .attribute("long_name", .number(2)),
                .attribute("obj", .object([("k", .string("v")), ("longer", .bool(true))])),
                .attribute("b", .list([.string("x"), .raw("var.y")])),
                .blank,
                .attribute("c", .string("z")),
            ])),
        ])
        #expect(text == """
            source "null" "x" {
              a         = "1"
              long_name = 2
              obj = {
                k      = "v"
                longer = true
              }
              b = ["x", var.y]

              c = "z"
            }

            """)
    }
}

/// The escaper against the real thing: Packer 1.6.6 builds a null source whose manifest
/// custom data holds tricky strings; they must come back exactly.
@Suite struct HCLPackerRoundTripTests {
    @Test func packerReadsEscapedStringsBackExactly() async throws {
        let values = [
            "${var.not_interpolated}", "%{ if true }directive%{ endif }", "quote \" and backslash \\ end\\",
            "multi\nline\ttabbed", "$${double}", "%%{double}", "unicode ✓ ünï", "ends with $", "ends with %",
        ]
        let directory = try TemporaryDirectory("hcl-roundtrip")
        let entries = values.enumerated().map { (key: "v\($0.offset)", value: HCL.Expression.string($0.element)) }
        let template = HCL.render([
            .block(HCL.Block("source", ["null", "x"], [.attribute("communicator", .string("none"))])),
            .blank,
            .block(HCL.Block("build", [], [
                .attribute("sources", .list([.string("source.null.x")])),
                .blank,
                .block(HCL.Block("post-processor", ["manifest"], [
                    .attribute("output", .string(directory.file("manifest.json"))),
                    .attribute("custom_data", .object(entries)),
                ])),
            ])),
        ])
        let file = try directory.write("roundtrip.pkr.hcl", template)
        #expect(try await ProcessSupport.runDetached("packer", ["fmt", "-check", file]).status == 0)
        let build = try await ProcessSupport.runDetached("packer", ["build", "-color=false", file], environment: [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": directory.path,
            "PACKER_CACHE_DIR": directory.file("cache"), "CHECKPOINT_DISABLE": "1",
        ])
        try #require(build.status == 0, "packer build: \(build.stdout)\(build.stderr)")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.file("manifest.json")))) as? [String: Any]
        let builds = try #require(manifest?["builds"] as? [[String: Any]])
        let custom = try #require(builds.first?["custom_data"] as? [String: String])
        for (index, value) in values.enumerated() {
            #expect(custom["v\(index)"] == value)
        }
    }
}
