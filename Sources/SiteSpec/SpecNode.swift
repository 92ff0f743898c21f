import Basics

/// One JSON value of a site spec as the validation kit sees it (Basics' `ValidatedNode`):
/// its JSON Pointer, its line:column and its shape; the spec's own value types on top.
struct SpecNode: ValidatedNode {
    let json: PositionedJSON
    let pointer: String
    let collector: IssueCollector

    static let mappingName = "an object"
    static let sequenceName = "an array"
    static let nullName = "null"
    static let scalarsReadAsStrings = false

    var position: SourcePosition { json.position }

    var shape: NodeShape<SpecNode> {
        switch json.value {
        case .object(let members):
            return .mapping(members.map { member in
                NodeShape.Member(key: member.key, keyPosition: member.keyPosition,
                                 value: SpecNode(json: member.value, pointer: JSONPointer.appending(pointer, key: member.key), collector: collector))
            })
        case .array(let items):
            return .sequence(items.enumerated().map { SpecNode(json: $1, pointer: JSONPointer.appending(pointer, index: $0), collector: collector) })
        case .string(let text): return .scalar(text: text, kind: .string)
        case .number(let text): return .scalar(text: text, kind: .number)
        case .bool(let value): return .scalar(text: value ? "true" : "false", kind: .bool)
        case .null: return .null
        }
    }

    func ip() -> IPAddress? {
        string().flatMap { text in
            if let address = IPAddress(text) { return address }
            issue("'\(text)' is not an IPv4 or IPv6 address")
            return nil
        }
    }

    func interfaceAddress() -> InterfaceAddress? {
        string().flatMap { text in
            if let address = InterfaceAddress(text) { return address }
            issue("'\(text)' is not an address with a prefix length, such as 10.20.0.10/24 or 2001:db8::10/64")
            return nil
        }
    }
}
