/// One JSON value as the validation kit sees it (`ValidatedNode`): its JSON Pointer, its
/// line:column and its shape. The site spec's validator walks these by hand; `StrictJSON`
/// decodes any `Decodable` record over them, so every JSON file and store record the tools
/// read back is refused in the same words, at the same places.
public struct JSONNode: ValidatedNode {
    public let json: PositionedJSON
    public let pointer: String
    public let collector: IssueCollector

    public static let mappingName = "an object"
    public static let sequenceName = "an array"
    public static let nullName = "null"
    public static let scalarsReadAsStrings = false

    public init(json: PositionedJSON, pointer: String = "", collector: IssueCollector) {
        self.json = json
        self.pointer = pointer
        self.collector = collector
    }

    public var position: SourcePosition { json.position }

    public var shape: NodeShape<JSONNode> {
        switch json.value {
        case .object(let members):
            return .mapping(members.map { member in
                NodeShape.Member(key: member.key, keyPosition: member.keyPosition,
                                 value: JSONNode(json: member.value, pointer: JSONPointer.appending(pointer, key: member.key), collector: collector))
            })
        case .array(let items):
            return .sequence(items.enumerated().map { JSONNode(json: $1, pointer: JSONPointer.appending(pointer, index: $0), collector: collector) })
        case .string(let text): return .scalar(text: text, kind: .string)
        case .number(let text): return .scalar(text: text, kind: .number)
        case .bool(let value): return .scalar(text: value ? "true" : "false", kind: .bool)
        case .null: return .null
        }
    }
}
