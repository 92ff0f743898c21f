import Basics

/// A one-line secret in a file (a password): read as hostile input and refused when others may
/// read it (a password others can read is not one). The secret never appears in a problem.
public enum SecretFile {
    public enum Outcome: Sendable, Equatable {
        case secret(String)
        /// What is wrong, as the end of a sentence starting with the file's name.
        case problem(String)
    }

    public static func read(_ path: String) -> Outcome {
        let outcome = BoundedFile.read(path, limit: 4096)
        guard case .bytes(let bytes) = outcome else { return .problem(BoundedFile.problem(outcome, limit: 4096) ?? "cannot be read") }
        if let mode = FileInfo.permissions(path), mode & 0o077 != 0 {
            return .problem("is readable by others (mode \(String(mode & 0o777, radix: 8))); chmod 600 it")
        }
        var text = String(decoding: bytes, as: UTF8.self)
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        guard !text.isEmpty, !text.hasControlCharacters else { return .problem("must hold one line") }
        return .secret(text)
    }
}
