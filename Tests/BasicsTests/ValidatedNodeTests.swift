import Basics
import Testing

/// The validation kit's rules, once, over a small tree format built in the test; YAML
/// (ImageDefinitionTests) and JSON (SiteSpecTests) run the same rules through their readers.
@Suite struct ValidatedNodeTests {
    indirect enum Tree {
        case map([(String?, Tree)]), list([Tree]), text(String), quoted(String), number(String), flag(Bool), none
    }

    /// Positions are handed out in walk order (line n for the n-th node made), so a test can
    /// say which node an issue was recorded at.
    struct Node<Words: NodeWords>: ValidatedNode {
        let tree: Tree
        let pointer: String
        let position: SourcePosition
        let collector: IssueCollector

        static var mappingName: String { Words.mappingName }
        static var sequenceName: String { Words.sequenceName }
        static var nullName: String { Words.nullName }
        static var scalarsReadAsStrings: Bool { Words.lenient }

        var shape: NodeShape<Node> {
            switch tree {
            case .map(let members):
                return .mapping(members.enumerated().map { index, member in
                    let childPointer = member.0.map { JSONPointer.appending(pointer, key: $0) } ?? pointer
                    return NodeShape.Member(key: member.0, keyPosition: SourcePosition(line: position.line + 1 + index, column: 1),
                                            value: Node(tree: member.1, pointer: childPointer, position: SourcePosition(line: position.line + 1 + index, column: 5), collector: collector))
                })
            case .list(let items):
                return .sequence(items.enumerated().map { Node(tree: $1, pointer: JSONPointer.appending(pointer, index: $0), position: SourcePosition(line: position.line + 1 + $0, column: 3), collector: collector) })
            case .text(let text): return .scalar(text: text, kind: .string)
            case .quoted(let text): return .scalar(text: text, kind: .string)
            case .number(let text): return .scalar(text: text, kind: .number)
            case .flag(let value): return .scalar(text: "\(value)", kind: .bool)
            case .none: return .null
            }
        }
    }

    protocol NodeWords { static var mappingName: String { get }; static var sequenceName: String { get }; static var nullName: String { get }; static var lenient: Bool { get } }
    enum YAMLWords: NodeWords { static let mappingName = "a mapping", sequenceName = "a list", nullName = "an empty value"; static let lenient = true }
    enum JSONWords: NodeWords { static let mappingName = "an object", sequenceName = "an array", nullName = "null"; static let lenient = false }

    static func root<W: NodeWords>(_ tree: Tree, _ words: W.Type) -> (Node<W>, IssueCollector) {
        let collector = IssueCollector(file: "doc")
        return (Node<W>(tree: tree, pointer: "", position: .start, collector: collector), collector)
    }

    @Test func unknownDuplicateAndMissingKeysAreReportedAtOnceWithEscapedPointers() {
        let (root, collector) = Self.root(.map([("name", .text("a")), ("a/b~c", .text("x")), ("name", .text("b")), (nil, .text("k"))]), JSONWords.self)
        let fields = root.mapping(allowed: ["name", "mode"], required: ["name", "mode"])
        #expect(fields?["name"].map { $0.string() } == "a")
        #expect(fields?.has("mode") == false)
        #expect(collector.issues.map(\.description) == [
            "doc:3:1: /a~1b~0c: unknown key 'a/b~c'; expected one of: name, mode",
            "doc:4:1: /name: duplicate key 'name'",
            "doc:5:1: /: keys must be plain strings",
            "doc:1:1: /: missing required key 'mode'",
        ])
    }

    @Test(arguments: [
        (Tree.list([]), "expected an object with keys a"),
        (Tree.map([]), "expected an array"),
        (Tree.number("7"), "expected a string"),
        (Tree.none, "expected a string, found null"),
        (Tree.text("yes"), "expected true or false, found 'yes'"),
        (Tree.number("1.5"), "expected a whole number from 1 to 9"),
        (Tree.number("12"), "12 is out of range; expected 1 to 9"),
        (Tree.text("fast"), "'fast' is not allowed; expected one of: dhcp, static"),
    ])
    func eachAccessorSaysWhatItExpected(tree: Tree, message: String) {
        let (node, collector) = Self.root(tree, JSONWords.self)
        switch message {
        case let m where m.hasPrefix("expected an object"): #expect(node.mapping(allowed: ["a"]) == nil)
        case let m where m.hasPrefix("expected an array"): #expect(node.sequence() == nil)
        case let m where m.hasPrefix("expected a string"): #expect(node.string() == nil)
        case let m where m.hasPrefix("expected true"): #expect(node.bool() == nil)
        case let m where m.contains("whole number") || m.contains("out of range"): #expect(node.int(in: 1...9) == nil)
        default: #expect(node.choice(["dhcp", "static"]) == nil)
        }
        #expect(collector.issues.map(\.message) == [message])
    }

    @Test func yamlWordsAndPlainScalarsReadAsText() {
        let (node, collector) = Self.root(.map([("version", .number("1.2")), ("empty", .none), ("list", .text("x"))]), YAMLWords.self)
        let fields = node.mapping(allowed: ["version", "empty", "list"])
        #expect(fields?["version"]?.string() == "1.2", "YAML reads a plain number as text where text is expected")
        #expect(fields?["empty"]?.string() == nil)
        #expect(fields?["list"]?.sequence() == nil)
        #expect(collector.issues.map(\.description) == ["doc:3:5: /empty: expected a string, found an empty value", "doc:4:5: /list: expected a list"])
    }

    @Test func aListOfStringsFailsWholeAndNamesEachBadItem() {
        let (node, collector) = Self.root(.list([.text("a"), .flag(true), .text("c"), .none]), JSONWords.self)
        #expect(node.stringList() == nil)
        #expect(collector.issues.map(\.pointer) == ["/1", "/3"])
        let (good, _) = Self.root(.list([.quoted("a"), .text("b")]), JSONWords.self)
        #expect(good.stringList() == ["a", "b"])
    }

    @Test func openMappingsKeepEveryKeyOnceInOrder() {
        let (node, collector) = Self.root(.map([("b", .text("1")), ("a", .text("2")), ("b", .text("3"))]), JSONWords.self)
        #expect(node.members(expected: "labels")?.map(\.key) == ["b", "a"])
        #expect(collector.issues.map(\.description) == ["doc:4:1: /b: duplicate key 'b'"])
        let (list, listIssues) = Self.root(.list([]), JSONWords.self)
        #expect(list.members(expected: "string labels") == nil)
        #expect(listIssues.issues.map(\.message) == ["expected an object of string labels"])
    }

    @Test func aReportCountsItsProblemsInOneFormat() {
        let one = [PositionedIssue(file: "f.json", position: SourcePosition(line: 3, column: 7), pointer: "/a/0", message: "bad")]
        #expect(PositionedIssue.report(one, in: "the site spec") == "the site spec has 1 problem:\n  f.json:3:7: /a/0: bad")
        #expect(PositionedIssue.report(one + one, in: "the image definition").hasPrefix("the image definition has 2 problems:\n"))
    }
}
