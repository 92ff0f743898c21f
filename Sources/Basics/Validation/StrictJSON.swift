/// Decodes any `Decodable` from JSON the way the toolchain reads back what it wrote (store
/// records, `fleet.json`, caches, state files): strictly, over the validation kit. The
/// document is read by `JSONReader` (valid UTF-8, no duplicate key anywhere, a size cap before
/// parsing); then the type's own `init(from:)` runs over `JSONNode`s, so that
///
/// - a key the type never asks for is refused as unknown, with the keys it does know;
/// - a number is read as the type it becomes: a whole number in the type's range (`1e400` or
///   `1.5` where an `Int64` is expected is refused at its field), a finite `Double`;
/// - a missing key, a wrong type and every check the type makes itself (`DecodingError`s)
///   come back as one `PositionedIssue`: file (or store key), line:column, JSON Pointer.
///
/// Types with keys of their own (dictionaries) list their keys, which accepts them all.
public enum StrictJSON {
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], file: String,
                                            maximumBytes: Int = JSONReader.defaultMaximumBytes) throws(StrictJSONError) -> T {
        let root: PositionedJSON
        do { root = try JSONReader.parse(bytes, maximumBytes: maximumBytes) } catch {
            throw StrictJSONError(issues: [PositionedIssue(file: file, position: error.position, pointer: error.pointer, message: "not valid JSON: \(error.message)")])
        }
        return try decode(type, from: root, file: file)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from root: PositionedJSON, file: String) throws(StrictJSONError) -> T {
        let state = DecodingState(collector: IssueCollector(file: file), root: root)
        let node = JSONNode(json: root, collector: state.collector)
        do {
            let value = try NodeDecoder(node: node, codingPath: [], state: state).unbox(T.self)
            let unknown = state.unknownKeys()
            guard unknown.isEmpty else { throw StrictJSONError(issues: unknown) }
            return value
        } catch let error as StrictJSONError {
            throw error
        } catch is DecodingState.Stop {
            throw StrictJSONError(issues: state.collector.issues.isEmpty ? [PositionedIssue(file: file, position: root.position, pointer: "", message: "not what this reader expects")] : state.collector.issues)
        } catch let error as DecodingError {
            throw StrictJSONError(issues: [state.issue(for: error)])
        } catch {
            throw StrictJSONError(issues: [PositionedIssue(file: file, position: root.position, pointer: "", message: "\(error)")])
        }
    }
}

/// Why a JSON document was refused: every issue with its place (usually one: decoding stops at
/// the first problem a type meets).
public struct StrictJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public var issues: [PositionedIssue]

    public init(issues: [PositionedIssue]) { self.issues = issues }

    /// The first issue without its file name: `line:col: /pointer: what is wrong` (the caller
    /// names the file or key).
    public var detail: String {
        guard let first = issues.first else { return "not valid" }
        return "\(first.position): \(first.pointer.isEmpty ? "/" : first.pointer.printable): \(first.message.printableText(limit: 300))"
            + (issues.count > 1 ? " (and \(issues.count - 1) more)" : "")
    }

    /// The JSON Pointer of the first issue ("" for the document).
    public var pointer: String { issues.first?.pointer ?? "" }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

/// What one decoding shares across its containers: the issues, and every object the type
/// opened with the keys it asked for (what it never asked for is unknown).
final class DecodingState {
    struct Stop: Error {}

    let collector: IssueCollector
    let root: PositionedJSON
    /// Pointer → (the object's members, the keys asked for); opened in document order.
    private var objects: [(pointer: String, members: [(key: String, position: SourcePosition)], asked: Set<String>, open: Bool)] = []
    private var index: [String: Int] = [:]

    init(collector: IssueCollector, root: PositionedJSON) {
        self.collector = collector
        self.root = root
    }

    func opened(_ pointer: String, members: [(key: String, position: SourcePosition)]) {
        if index[pointer] == nil {
            index[pointer] = objects.count
            objects.append((pointer, members, [], false))
        }
    }

    func asked(_ pointer: String, _ key: String) {
        if let at = index[pointer] { objects[at].asked.insert(key) }
    }

    /// The type takes every key of this object (a dictionary, or a type that lists its keys).
    func takesAll(_ pointer: String) {
        if let at = index[pointer] { objects[at].open = true }
    }

    func unknownKeys() -> [PositionedIssue] {
        var issues: [PositionedIssue] = []
        for object in objects where !object.open {
            let known = object.asked.sorted()
            for member in object.members where !object.asked.contains(member.key) {
                issues.append(PositionedIssue(file: collector.file, position: member.position, pointer: JSONPointer.appending(object.pointer, key: member.key),
                                              message: "unknown key '\(member.key)'; expected one of: \(known.joined(separator: ", "))"))
            }
        }
        return issues
    }

    /// A `DecodingError` a type threw (its own checks), placed at the node its path names.
    func issue(for error: DecodingError) -> PositionedIssue {
        let (path, message): ([any CodingKey], String) = switch error {
        case .keyNotFound(let key, let context): (context.codingPath, "missing required key '\(key.stringValue)'")
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): (context.codingPath, context.debugDescription)
        @unknown default: ([], "\(error)")
        }
        var node = root
        var pointer = ""
        for key in path {
            switch node.value {
            case .object(let members):
                guard let member = members.first(where: { $0.key == key.stringValue }) else { break }
                node = member.value
                pointer = JSONPointer.appending(pointer, key: key.stringValue)
            case .array(let items):
                guard let at = key.intValue, items.indices.contains(at) else { break }
                node = items[at]
                pointer = JSONPointer.appending(pointer, index: at)
            default:
                break
            }
        }
        return PositionedIssue(file: collector.file, position: node.position, pointer: pointer, message: message)
    }
}

struct NodeDecoder: Decoder {
    let node: JSONNode
    let codingPath: [any CodingKey]
    let state: DecodingState
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard let members = node.members(expected: "fields") else { throw DecodingState.Stop() }
        state.opened(node.pointer, members: members.map { ($0.key, $0.keyPosition) })
        return KeyedDecodingContainer(KeyedNodes<Key>(decoder: self, members: members))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard let items = node.sequence() else { throw DecodingState.Stop() }
        return UnkeyedNodes(decoder: self, items: items)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleNode(decoder: self) }

    func child(_ node: JSONNode, _ key: any CodingKey) -> NodeDecoder {
        NodeDecoder(node: node, codingPath: codingPath + [key], state: state)
    }

    /// A value of `type` at this node: the scalars as the kit reads them, anything else by its
    /// own `init(from:)`.
    func unbox<T: Decodable>(_ type: T.Type) throws -> T {
        func need<V>(_ value: V?) throws -> V {
            guard let value else { throw DecodingState.Stop() }
            return value
        }
        switch type {
        case is String.Type: return try need(node.string()) as! T
        case is Bool.Type: return try need(node.bool()) as! T
        case is Double.Type: return try need(double()) as! T
        case is Float.Type: return Float(try need(double())) as! T
        case is Int.Type: return try need(integer(Int.self)) as! T
        case is Int64.Type: return try need(integer(Int64.self)) as! T
        case is Int32.Type: return try need(integer(Int32.self)) as! T
        case is UInt.Type: return try need(integer(UInt.self)) as! T
        case is UInt64.Type: return try need(integer(UInt64.self)) as! T
        case is UInt32.Type: return try need(integer(UInt32.self)) as! T
        case is UInt16.Type: return try need(integer(UInt16.self)) as! T
        case is UInt8.Type: return try need(integer(UInt8.self)) as! T
        default: return try T(from: self)
        }
    }

    /// A whole number written as one (ASCII digits, an optional '-', no leading zero, no
    /// fraction or exponent) within `I`'s range.
    func integer<I: FixedWidthInteger>(_ type: I.Type) -> I? {
        let range = "from \(I.min) to \(I.max)"
        guard case .scalar(let text, .number) = node.shape else {
            node.issue("expected a whole number \(range)")
            return nil
        }
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), digits.count == 1 || digits.first != "0", text != "-0" else {
            node.issue("\(text.printableText(limit: 40)) is not a whole number; expected one \(range)")
            return nil
        }
        guard let value = I(text) else {
            node.issue("\(text.printableText(limit: 40)) is out of range; expected a whole number \(range)")
            return nil
        }
        return value
    }

    func double() -> Double? {
        guard case .scalar(let text, .number) = node.shape else {
            node.issue("expected a number")
            return nil
        }
        guard let value = Double(text), value.isFinite else {
            node.issue("\(text.printableText(limit: 40)) is out of range; expected a finite number")
            return nil
        }
        return value
    }
}

struct KeyedNodes<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: NodeDecoder
    let members: [(key: String, keyPosition: SourcePosition, node: JSONNode)]
    var codingPath: [any CodingKey] { decoder.codingPath }

    var allKeys: [Key] {
        // A type that lists the keys takes them all (a dictionary), or judges them itself.
        decoder.state.takesAll(decoder.node.pointer)
        return members.compactMap { Key(stringValue: $0.key) }
    }

    func member(_ key: Key) -> JSONNode? {
        decoder.state.asked(decoder.node.pointer, key.stringValue)
        return members.first { $0.key == key.stringValue }?.node
    }

    func required(_ key: Key) throws -> JSONNode {
        guard let node = member(key) else {
            decoder.node.issue("missing required key '\(key.stringValue)'")
            throw DecodingState.Stop()
        }
        return node
    }

    func contains(_ key: Key) -> Bool { member(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let node = member(key) else { return true }
        if case .null = node.shape { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder.child(try required(key), key).unbox(type)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let node = member(key) else { return nil }
        if case .null = node.shape { return nil }
        return try decoder.child(node, key).unbox(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder.child(try required(key), key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder.child(try required(key), key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }

    func superDecoder(forKey key: Key) throws -> any Decoder { decoder.child(try required(key), key) }
}

struct UnkeyedNodes: UnkeyedDecodingContainer {
    let decoder: NodeDecoder
    let items: [JSONNode]
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    struct Index: CodingKey {
        var intValue: Int?
        var stringValue: String { String(intValue ?? 0) }
        init(_ index: Int) { intValue = index }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { self.intValue = intValue }
    }

    mutating func next() throws -> (JSONNode, Index) {
        guard !isAtEnd else {
            decoder.node.issue("expected more items (\(items.count) given)")
            throw DecodingState.Stop()
        }
        defer { currentIndex += 1 }
        return (items[currentIndex], Index(currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, case .null = items[currentIndex].shape else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (node, index) = try next()
        return try decoder.child(node, index).unbox(type)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (node, index) = try next()
        return try decoder.child(node, index).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (node, index) = try next()
        return try decoder.child(node, index).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (node, index) = try next()
        return decoder.child(node, index)
    }
}

struct SingleNode: SingleValueDecodingContainer {
    let decoder: NodeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool {
        if case .null = decoder.node.shape { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.unbox(type) }
}
