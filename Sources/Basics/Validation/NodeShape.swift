/// What a parsed node is, in the validation kit's terms: what a YAML or a JSON reader hands
/// `ValidatedNode`.
public enum NodeShape<Node> {
    public struct Member {
        /// nil when the key is not a plain string (YAML allows any node as a key).
        public var key: String?
        public var keyPosition: SourcePosition
        public var value: Node

        public init(key: String?, keyPosition: SourcePosition, value: Node) {
            self.key = key
            self.keyPosition = keyPosition
            self.value = value
        }
    }

    public enum ScalarKind: Sendable, Equatable {
        /// Quoted text, or (YAML) plain text that is neither a number nor a boolean.
        case string
        /// Written as a number; `text` is the number as written.
        case number
        /// true or false.
        case bool
    }

    case mapping([Member])
    case sequence([Node])
    case scalar(text: String, kind: ScalarKind)
    /// null, or (YAML) a key with no value.
    case null
    /// Something the format has that a validator never accepts (a YAML alias), named.
    case unsupported(String)
}
