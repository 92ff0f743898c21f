import FoundationEssentials

/// How the toolchain writes JSON — lock files, release files, rollback state and every
/// `--json` output: pretty, sorted keys, slashes unescaped, a trailing newline. The same
/// value gives the same bytes.
public enum CanonicalJSON {
    public static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain values cannot fail.
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8)) + [0x0a]
    }

    /// The same rules on one line (request bodies): sorted keys, no newline.
    public static func compact(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
    }

    public static func text(_ value: some Encodable) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }
}
