/// A `DecodingError` from a JSON file read back (a lock, a release file, a docker config, a
/// registry's manifest) as one kind of sentence, its place a JSON Pointer: "missing /a/b" or
/// "at /a/0: what was wrong". The one describer the readers share.
public enum DecodingFailure {
    /// `underlying` may say more about a document that is not JSON at all (Foundation's
    /// NSError debug description, where the caller has Foundation).
    public static func describe(_ error: any Error, underlying: (any Error) -> String? = { _ in nil }) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing " + pointer(context.codingPath + [key])
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "at " + pointer(context.codingPath) + ": " + context.debugDescription
        case DecodingError.dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return context.underlyingError.flatMap(underlying) ?? context.debugDescription
            }
            return "at " + pointer(context.codingPath) + ": " + context.debugDescription
        default:
            return "\(error)"
        }
    }

    static func pointer(_ path: [any CodingKey]) -> String {
        path.reduce("") { pointer, key in
            key.intValue.map { JSONPointer.appending(pointer, index: $0) } ?? JSONPointer.appending(pointer, key: key.stringValue)
        }.nonEmpty ?? "/"
    }
}
