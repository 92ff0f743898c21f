/// A GRUB environment block (`grubenv`): exactly 1024 bytes, a header line, `name=value` lines
/// and `#` padding. GRUB reads it with `load_env` and writes it with `save_env`; `grub-editenv`
/// reads it on a running system. Variables this tool does not own are kept byte for byte.
public struct BootEnvironment: Sendable, Equatable {
    public static let size = 1024
    static let header = "# GRUB Environment Block\n"

    /// Raw `name=value` pairs in file order (values as stored, escapes included).
    public private(set) var variables: [(name: String, value: String)]

    public static func == (a: Self, b: Self) -> Bool {
        a.variables.map { "\($0.name)=\($0.value)" } == b.variables.map { "\($0.name)=\($0.value)" }
    }

    public init() { variables = [] }

    /// Parses a block, refusing anything that is not one (wrong size, missing header, a line
    /// without `=`), so a damaged file is reported, never "repaired" by guessing.
    public init(parsing bytes: [UInt8]) throws(ReleaseError) {
        guard bytes.count == Self.size else {
            throw .bootEnvironment("is \(bytes.count) bytes; a GRUB environment block is exactly \(Self.size)")
        }
        guard bytes.starts(with: Array(Self.header.utf8)) else {
            throw .bootEnvironment("does not start with '# GRUB Environment Block'")
        }
        var variables: [(String, String)] = []
        var line: [UInt8] = []
        var index = Self.header.utf8.count
        var lineNumber = 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                line.append(byte); line.append(bytes[index + 1]); index += 2; continue
            }
            index += 1
            guard byte == 0x0a else { line.append(byte); continue }
            lineNumber += 1
            defer { line = [] }
            if line.isEmpty || line.first == UInt8(ascii: "#") { continue }
            guard let equals = line.firstIndex(of: UInt8(ascii: "=")), equals > 0 else {
                throw .bootEnvironment("line \(lineNumber) is not name=value")
            }
            variables.append((String(decoding: line[..<equals], as: UTF8.self), String(decoding: line[(equals + 1)...], as: UTF8.self)))
        }
        // Trailing padding without a newline is allowed; a trailing variable without one is not.
        if !line.isEmpty && !line.allSatisfy({ $0 == UInt8(ascii: "#") }) {
            throw .bootEnvironment("ends inside a line")
        }
        self.variables = variables
    }

    public subscript(name: String) -> String? {
        get { variables.first { $0.name == name }?.value }
        set {
            if let newValue {
                if let index = variables.firstIndex(where: { $0.name == name }) { variables[index].value = newValue }
                else { variables.append((name, newValue)) }
            } else {
                variables.removeAll { $0.name == name }
            }
        }
    }

    /// The 1024-byte block. Fails only when the variables do not fit.
    public func rendered() throws(ReleaseError) -> [UInt8] {
        var bytes = Array(Self.header.utf8)
        for (name, value) in variables {
            bytes += Array("\(name)=\(value)\n".utf8)
        }
        guard bytes.count <= Self.size else { throw .bootEnvironment("would need \(bytes.count) bytes; only \(Self.size) fit") }
        return bytes + [UInt8](repeating: UInt8(ascii: "#"), count: Self.size - bytes.count)
    }
}
