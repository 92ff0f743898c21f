/// The validation kit: a position-tracking view of one node of a parsed document (YAML or
/// JSON) with its JSON Pointer. The typed accessors record a precise issue (file,
/// line:column, pointer, what was expected) in the collector instead of throwing, and return
/// nil, so a validator reports every problem in a file at once. A format supplies the shape
/// of its nodes and its words; the rules and the messages live here, once.
public protocol ValidatedNode {
    var pointer: String { get }
    var position: SourcePosition { get }
    var collector: IssueCollector { get }
    var shape: NodeShape<Self> { get }
    /// How the format names its containers ("a mapping", "an object").
    static var mappingName: String { get }
    /// ("a list", "an array")
    static var sequenceName: String { get }
    /// ("an empty value", "null")
    static var nullName: String { get }
    /// YAML reads `version: 1.2` as the text "1.2" where a string is expected; JSON does not.
    static var scalarsReadAsStrings: Bool { get }
}

extension ValidatedNode {
    public func issue(_ message: String) { collector.add(at: position, pointer: pointer, message) }

    /// A mapping whose keys must all be in `allowed`: unknown, duplicate and non-string keys
    /// are issues at the key; missing `required` keys are issues at the mapping.
    public func mapping(allowed: [String], required: [String] = []) -> NodeFields<Self>? {
        guard case .mapping(let members) = shape else {
            issue("expected \(Self.mappingName) with keys \(allowed.joined(separator: ", "))")
            return nil
        }
        var entries: [(key: String, node: Self)] = []
        var seen = Set<String>()
        for member in members {
            guard let key = member.key else {
                collector.add(at: member.keyPosition, pointer: pointer, "keys must be plain strings")
                continue
            }
            let childPointer = JSONPointer.appending(pointer, key: key)
            guard allowed.contains(key) else {
                collector.add(at: member.keyPosition, pointer: childPointer, "unknown key '\(key)'; expected one of: \(allowed.joined(separator: ", "))")
                continue
            }
            guard seen.insert(key).inserted else {
                collector.add(at: member.keyPosition, pointer: childPointer, "duplicate key '\(key)'")
                continue
            }
            entries.append((key, member.value))
        }
        for key in required where !seen.contains(key) {
            issue("missing required key '\(key)'")
        }
        return NodeFields(entries: entries)
    }

    /// A mapping with keys of the caller's choosing (labels): every member, duplicates
    /// reported; `expected` says what the mapping holds.
    public func members(expected: String) -> [(key: String, keyPosition: SourcePosition, node: Self)]? {
        guard case .mapping(let members) = shape else {
            issue("expected \(Self.mappingName) of \(expected)")
            return nil
        }
        var result: [(key: String, keyPosition: SourcePosition, node: Self)] = []
        var seen = Set<String>()
        for member in members {
            guard let key = member.key else {
                collector.add(at: member.keyPosition, pointer: pointer, "keys must be plain strings")
                continue
            }
            guard seen.insert(key).inserted else {
                collector.add(at: member.keyPosition, pointer: JSONPointer.appending(pointer, key: key), "duplicate key '\(key)'")
                continue
            }
            result.append((key, member.keyPosition, member.value))
        }
        return result
    }

    public func sequence() -> [Self]? {
        guard case .sequence(let items) = shape else {
            issue("expected \(Self.sequenceName)")
            return nil
        }
        return items
    }

    public func string() -> String? {
        switch shape {
        case .scalar(let text, .string):
            return text
        case .scalar(let text, _) where Self.scalarsReadAsStrings:
            return text
        case .null:
            issue("expected a string, found \(Self.nullName)")
            return nil
        default:
            issue("expected a string")
            return nil
        }
    }

    /// A string that must satisfy `isValid`; otherwise `message(value)` is recorded.
    public func string(where isValid: (String) -> Bool, otherwise message: (String) -> String) -> String? {
        guard let value = string() else { return nil }
        guard isValid(value) else {
            issue(message(value))
            return nil
        }
        return value
    }

    public func int(in range: ClosedRange<Int>? = nil) -> Int? {
        guard case .scalar(let text, .number) = shape, let value = Int(asciiDecimal: text) else {
            issue("expected a whole number" + (range.map { " from \($0.lowerBound) to \($0.upperBound)" } ?? ""))
            return nil
        }
        if let range, !range.contains(value) {
            issue("\(value) is out of range; expected \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return value
    }

    public func bool() -> Bool? {
        switch shape {
        case .scalar(let text, .bool):
            return text == "true"
        case .scalar(let text, _):
            issue("expected true or false, found '\(text)'")
            return nil
        default:
            issue("expected true or false")
            return nil
        }
    }

    public func stringList() -> [String]? {
        guard let items = sequence() else { return nil }
        let values = items.compactMap { $0.string() }
        return values.count == items.count ? values : nil
    }

    /// The member `key` of a mapping, if it is one and has it (nothing recorded either way).
    public func child(_ key: String) -> Self? {
        guard case .mapping(let members) = shape else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// Item `index` of a sequence, if it is one and has it (nothing recorded either way).
    public func child(_ index: Int) -> Self? {
        guard case .sequence(let items) = shape, items.indices.contains(index) else { return nil }
        return items[index]
    }

    /// The node at `pointer` (a JSON Pointer below this node's own), if there is one.
    public func descendant(_ pointer: String) -> Self? {
        guard pointer.hasPrefix(self.pointer) else { return nil }
        var node = self
        for part in pointer.dropFirst(self.pointer.count).split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            let key = part.replacing("~1", with: "/").replacing("~0", with: "~")
            let next: Self?
            if let index = Int(asciiDecimal: key), case .sequence = node.shape { next = node.child(index) } else { next = node.child(String(key)) }
            guard let next else { return nil }
            node = next
        }
        return node
    }

    /// One of a fixed set of words.
    public func choice(_ options: [String]) -> String? {
        string(where: options.contains) { "'\($0)' is not allowed; expected one of: \(options.joined(separator: ", "))" }
    }
}
