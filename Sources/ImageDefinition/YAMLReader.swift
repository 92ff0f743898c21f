import Basics
import Yams

/// A position-tracking view of one YAML node: its JSON Pointer, its line:column, and typed
/// accessors that record a precise issue (instead of throwing) when the node is not what was
/// expected, so that every problem in a file is reported at once.
struct YAMLNode {
    let node: Node
    let pointer: String
    let reader: YAMLReader

    var line: Int { node.mark?.line ?? 1 }
    var column: Int { node.mark?.column ?? 1 }

    func issue(_ message: String) {
        reader.add(DefinitionIssue(file: reader.file, line: line, column: column, pointer: pointer, message: message))
    }

    /// A mapping whose keys must all be in `allowed`; unknown keys are issues.
    func mapping(allowed: [String], required: [String] = []) -> YAMLMapping? {
        guard case .mapping(let mapping) = node else {
            issue("expected a mapping with keys \(allowed.joined(separator: ", "))")
            return nil
        }
        var entries: [(String, YAMLNode)] = []
        var seen = Set<String>()
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                YAMLNode(node: keyNode, pointer: pointer, reader: reader).issue("keys must be plain strings")
                continue
            }
            let key = scalar.string
            let child = YAMLNode(node: valueNode, pointer: JSONPointer.appending(pointer, key: key), reader: reader)
            let keyPosition = YAMLNode(node: keyNode, pointer: child.pointer, reader: reader)
            guard allowed.contains(key) else {
                keyPosition.issue("unknown key '\(key)'; expected one of: \(allowed.joined(separator: ", "))")
                continue
            }
            guard seen.insert(key).inserted else {
                keyPosition.issue("duplicate key '\(key)'")
                continue
            }
            entries.append((key, child))
        }
        for key in required where !seen.contains(key) {
            issue("missing required key '\(key)'")
        }
        return YAMLMapping(entries: entries, owner: self)
    }

    func sequence() -> [YAMLNode]? {
        guard case .sequence(let sequence) = node else {
            issue("expected a list")
            return nil
        }
        return sequence.enumerated().map { YAMLNode(node: $1, pointer: JSONPointer.appending(pointer, index: $0), reader: reader) }
    }

    func string() -> String? {
        guard case .scalar(let scalar) = node, scalar.tag.description != "tag:yaml.org,2002:null" else {
            issue("expected a string")
            return nil
        }
        if scalar.style == .plain, ["null", "~", ""].contains(scalar.string) {
            issue("expected a string, found an empty value")
            return nil
        }
        return scalar.string
    }

    /// A string that must satisfy `isValid`; otherwise `message(value)` is recorded.
    func string(where isValid: (String) -> Bool, otherwise message: (String) -> String) -> String? {
        guard let value = string() else { return nil }
        guard isValid(value) else {
            issue(message(value))
            return nil
        }
        return value
    }

    func int(in range: ClosedRange<Int>? = nil) -> Int? {
        guard case .scalar(let scalar) = node, scalar.style == .plain, let value = Int(scalar.string) else {
            issue("expected a whole number" + (range.map { " from \($0.lowerBound) to \($0.upperBound)" } ?? ""))
            return nil
        }
        if let range, !range.contains(value) {
            issue("\(value) is out of range; expected \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return value
    }

    func bool() -> Bool? {
        guard case .scalar(let scalar) = node, scalar.style == .plain else {
            issue("expected true or false")
            return nil
        }
        switch scalar.string {
        case "true": return true
        case "false": return false
        default:
            issue("expected true or false, found '\(scalar.string)'")
            return nil
        }
    }

    func stringList() -> [String]? {
        guard let items = sequence() else { return nil }
        let values = items.compactMap { $0.string() }
        return values.count == items.count ? values : nil
    }

    /// One of a fixed set of words.
    func choice(_ options: [String]) -> String? {
        guard let value = string() else { return nil }
        guard options.contains(value) else {
            issue("'\(value)' is not allowed; expected one of: \(options.joined(separator: ", "))")
            return nil
        }
        return value
    }

}

struct YAMLMapping {
    let entries: [(String, YAMLNode)]
    let owner: YAMLNode

    subscript(_ key: String) -> YAMLNode? { entries.first { $0.0 == key }?.1 }
    func has(_ key: String) -> Bool { self[key] != nil }
}

/// Collects issues for one file.
final class YAMLReader {
    let file: String
    private(set) var issues: [DefinitionIssue] = []

    init(file: String) { self.file = file }

    func add(_ issue: DefinitionIssue) { issues.append(issue) }

    /// Parses YAML text into a root node, or records the parser's complaint with its position.
    func root(_ text: String) -> YAMLNode? {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                add(DefinitionIssue(file: file, line: 1, column: 1, pointer: "", message: "the file is empty; expected a mapping"))
                return nil
            }
            return YAMLNode(node: node, pointer: "", reader: self)
        } catch let error as YamlError {
            add(Self.issue(from: error, file: file))
            return nil
        } catch {
            add(DefinitionIssue(file: file, line: 1, column: 1, pointer: "", message: "cannot parse YAML: \(error)"))
            return nil
        }
    }

    static func issue(from error: YamlError, file: String) -> DefinitionIssue {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { "\($0.text) \(problem)" } ?? problem
            return DefinitionIssue(file: file, line: mark.line, column: mark.column, pointer: "", message: "invalid YAML: \(detail)")
        default:
            return DefinitionIssue(file: file, line: 1, column: 1, pointer: "", message: "invalid YAML: \(error)")
        }
    }
}
