#if canImport(Glibc)
import Glibc
#endif

/// Path arithmetic on strings, with the semantics the toolchain relied on from `NSString`
/// (which FoundationEssentials does not have): trailing slashes are ignored, the parent of a
/// name without a slash is "", the parent of "/x" is "/".
public enum Path {
    /// Everything before the last component ("" when there is no slash).
    public static func parent(_ path: String) -> String {
        let trimmed = stripTrailingSlashes(path)
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        let head = trimmed[..<slash]
        if head.isEmpty { return "/" }
        return stripTrailingSlashes(String(head))
    }

    /// The parent, or "." when the path has no directory part (a name in the working directory).
    public static func directory(_ path: String) -> String {
        let parent = parent(path)
        return parent.isEmpty ? "." : parent
    }

    /// The last component ("/" for the root itself).
    public static func name(_ path: String) -> String {
        let trimmed = stripTrailingSlashes(path)
        if trimmed == "/" { return "/" }
        guard let slash = trimmed.lastIndex(of: "/") else { return trimmed }
        return String(trimmed[trimmed.index(after: slash)...])
    }

    /// `base/name`, without doubling a slash.
    public static func join(_ base: String, _ name: String) -> String {
        if base.isEmpty { return name }
        if base.hasSuffix("/") { return base + (name.hasPrefix("/") ? String(name.dropFirst()) : name) }
        return base + (name.hasPrefix("/") ? name : "/" + name)
    }

    /// Whether a relative link `target`, read from `directory` (relative to a tree's top, ""
    /// for the top), names something inside the tree, lexically: an absolute target, or one
    /// whose `..` steps climb above the top, does not.
    public static func staysInside(_ target: String, from directory: String) -> Bool {
        guard !target.hasPrefix("/"), !target.isEmpty else { return false }
        var depth = 0
        for component in (directory.split(separator: "/") + target.split(separator: "/")) {
            switch component {
            case ".": continue
            case "..": depth -= 1; if depth < 0 { return false }
            default: depth += 1
            }
        }
        return true
    }

    /// The working directory ("/" when it cannot be read).
    public static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func stripTrailingSlashes(_ path: String) -> String {
        var result = Substring(path)
        while result.count > 1, result.hasSuffix("/") { result = result.dropLast() }
        return String(result)
    }
}
