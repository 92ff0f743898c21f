/// JSON Pointers (RFC 6901) as problems name the place they were found: "" is the document,
/// each step "/" + the key with "~" written "~0" and "/" written "~1", or an array index.
/// What the definition (YAML) and site spec (JSON) readers share.
public enum JSONPointer {
    public static func escape(_ key: String) -> String {
        key.replacing("~", with: "~0").replacing("/", with: "~1")
    }

    /// `pointer` one step down, into `key`.
    public static func appending(_ pointer: String, key: String) -> String { pointer + "/" + escape(key) }

    /// `pointer` one step down, into element `index`.
    public static func appending(_ pointer: String, index: Int) -> String { pointer + "/\(index)" }
}
