/// The fields of a validated mapping, known keys only and each once, in document order.
public struct NodeFields<Node> {
    public let entries: [(key: String, node: Node)]

    public init(entries: [(key: String, node: Node)]) { self.entries = entries }

    public subscript(_ key: String) -> Node? { entries.first { $0.key == key }?.node }
    public func has(_ key: String) -> Bool { entries.contains { $0.key == key } }
}
