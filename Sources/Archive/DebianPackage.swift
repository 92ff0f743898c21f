/// What a Debian package (`.deb`) says it is: the fields of its `control` file, read with
/// libarchive (an `ar` archive holding `debian-binary`, `control.tar.*` and `data.tar.*`).
/// Only the control member is unpacked; nothing is installed or run.
public struct DebianPackage: Sendable, Equatable {
    public var fields: [String: String]

    public var name: String { fields["Package"] ?? "" }
    public var version: String { fields["Version"] ?? "" }
    public var architecture: String { fields["Architecture"] ?? "" }

    static let limits = TarReader.Limits(maxEntries: 16, maxEntrySize: 512 << 20, maxTotalSize: 1 << 30)
    static let controlLimits = TarReader.Limits(maxEntries: 64, maxEntrySize: 1 << 20, maxTotalSize: 8 << 20)

    public init(path: String) throws(ArchiveError) {
        try self.init(members: try TarReader(path: path, format: .ar).entries(limits: Self.limits), path: path)
    }

    /// A package already read into memory; `path` names it in errors.
    public init(bytes: [UInt8], path: String) throws(ArchiveError) {
        try self.init(members: try TarReader(bytes: bytes, format: .ar).entries(limits: Self.limits), path: path)
    }

    init(members: [TarReader.Entry], path: String) throws(ArchiveError) {
        guard let format = members.first, format.path == "debian-binary", format.contents.starts(with: Array("2.".utf8)) else {
            throw .invalid("\(path) is not a Debian binary package (no debian-binary 2.x member first)")
        }
        guard let control = members.first(where: { $0.path.hasPrefix("control.tar") }) else {
            throw .invalid("\(path) has no control.tar member")
        }
        let entries = try TarReader(bytes: control.contents, format: .compressedTar).entries(limits: Self.controlLimits)
        guard let file = entries.first(where: { $0.kind == .file && ($0.path == "./control" || $0.path == "control") }) else {
            throw .invalid("\(path) has no control file in its control.tar member")
        }
        fields = try Self.parseControl(String(decoding: file.contents, as: UTF8.self), path: path)
    }

    /// RFC 822-style fields: `Name: value`, continuation lines start with a space.
    static func parseControl(_ text: String, path: String) throws(ArchiveError) -> [String: String] {
        var fields: [String: String] = [:]
        var current: String?
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty { continue }
            if line.first == " " || line.first == "\t" {
                guard let name = current else { throw .invalid("\(path): control line \(index + 1) continues no field") }
                fields[name, default: ""] += "\n" + line.dropFirst()
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { throw .invalid("\(path): control line \(index + 1) is not 'Field: value'") }
            let name = String(line[..<colon])
            fields[name] = String(line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" })
            current = name
        }
        return fields
    }
}
