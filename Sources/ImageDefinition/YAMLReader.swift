import Basics
import Yams

/// One YAML node as the validation kit sees it (Basics' `ValidatedNode`): its JSON Pointer,
/// its line:column, and its shape with plain scalars resolved as YAML 1.2's core schema does
/// (true/false, integers, null and `~` and nothing).
struct YAMLNode: ValidatedNode {
    let node: Node
    let pointer: String
    let collector: IssueCollector

    static let mappingName = "a mapping"
    static let sequenceName = "a list"
    static let nullName = "an empty value"
    static let scalarsReadAsStrings = true

    var position: SourcePosition { Self.position(node) }

    static func position(_ node: Node) -> SourcePosition {
        node.mark.map { SourcePosition(line: $0.line, column: $0.column) } ?? .start
    }

    var shape: NodeShape<YAMLNode> {
        switch node {
        case .mapping(let mapping):
            return .mapping(mapping.map { keyNode, valueNode in
                let key: String? = if case .scalar(let scalar) = keyNode { scalar.string } else { nil }
                let childPointer = key.map { JSONPointer.appending(pointer, key: $0) } ?? pointer
                return NodeShape.Member(key: key, keyPosition: Self.position(keyNode),
                                        value: YAMLNode(node: valueNode, pointer: childPointer, collector: collector))
            })
        case .sequence(let sequence):
            return .sequence(sequence.enumerated().map { YAMLNode(node: $1, pointer: JSONPointer.appending(pointer, index: $0), collector: collector) })
        case .scalar(let scalar):
            if scalar.tag.description == "tag:yaml.org,2002:null" { return .null }
            guard scalar.style == .plain else { return .scalar(text: scalar.string, kind: .string) }
            switch scalar.string {
            case "null", "~", "": return .null
            case "true", "false": return .scalar(text: scalar.string, kind: .bool)
            case let text where Int(text) != nil: return .scalar(text: text, kind: .number)
            default: return .scalar(text: scalar.string, kind: .string)
            }
        case .alias:
            return .unsupported("an alias")
        }
    }
}

/// Parses one definition file into its root node, with the issues of that file.
struct YAMLReader {
    let collector: IssueCollector
    var file: String { collector.file }
    var issues: [PositionedIssue] { collector.issues }

    init(file: String) { collector = IssueCollector(file: file) }

    /// Parses YAML text into a root node, or records the parser's complaint with its position.
    func root(_ text: String) -> YAMLNode? {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                collector.add(at: .start, pointer: "", "the file is empty; expected a mapping")
                return nil
            }
            return YAMLNode(node: node, pointer: "", collector: collector)
        } catch let error as YamlError {
            let (position, message) = Self.describe(error)
            collector.add(at: position, pointer: "", message)
            return nil
        } catch {
            collector.add(at: .start, pointer: "", "cannot parse YAML: \(error)")
            return nil
        }
    }

    static func describe(_ error: YamlError) -> (SourcePosition, String) {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { "\($0.text) \(problem)" } ?? problem
            return (SourcePosition(line: mark.line, column: mark.column), "invalid YAML: \(detail)")
        default:
            return (.start, "invalid YAML: \(error)")
        }
    }
}
