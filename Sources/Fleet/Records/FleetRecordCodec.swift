import Basics
import Lock

/// Fleet records go in and out of the store as JSON in the toolchain's canonical form; what
/// comes back is read as hostile: a size cap, strict decoding, then the record's own checks.
public enum FleetRecordCodec {
    /// The most a record may be (a 10,000-box cohort is about 200 KB).
    public static let maximumBytes = 1 << 20

    public static func encode(_ record: some Encodable) -> [UInt8] { CanonicalJSON.compact(record) }

    /// A record read back: at most `maximumBytes`, then strictly (`StrictJSON`: a duplicate or
    /// unknown key, a number out of its type's range, a missing field or a value the record's
    /// own checks refuse is an error naming the key, line:column and the JSON Pointer).
    public static func decode<Record: Decodable>(_ type: Record.Type, from bytes: [UInt8], key: String, maximumBytes: Int = maximumBytes) throws(FleetError) -> Record {
        guard bytes.count <= maximumBytes else { throw .malformed(key: key, detail: "\(bytes.count) bytes; at most \(maximumBytes) are read") }
        do {
            return try StrictJSON.decode(Record.self, from: bytes, file: key, maximumBytes: maximumBytes)
        } catch {
            throw .malformed(key: key, detail: error.detail)
        }
    }

    /// A record as the store returned it: one the store withheld for its size is refused
    /// without being read.
    public static func decode<Record: Decodable>(_ type: Record.Type, from stored: StoredValue, maximumBytes: Int = maximumBytes) throws(FleetError) -> Record {
        if let size = stored.withheldBytes {
            throw .malformed(key: stored.key, detail: "\(size) bytes or more; at most \(min(maximumBytes, FleetRecordCodec.maximumBytes)) are read (the store's answer was not kept)")
        }
        return try decode(type, from: stored.value, key: stored.key, maximumBytes: maximumBytes)
    }
}

/// A version `YYYY.MM.N` in a record: refused at decoding when it is not one.
public struct FleetVersion: FleetText, Hashable, Comparable, CustomStringConvertible {
    public static let spelling = "a version YYYY.MM.N"
    public let text: String

    public init?(_ text: String) {
        guard ImageVersion(parsing: text) != nil else { return nil }
        self.text = text
    }

    public static func parse(_ text: String, as what: String) throws(FleetError) -> FleetVersion {
        guard let version = FleetVersion(text) else { throw .invalidInput("'\(text.printable)' is not a valid \(what): expected a version YYYY.MM.N") }
        return version
    }

    public var description: String { text }
    public static func < (a: FleetVersion, b: FleetVersion) -> Bool {
        let zero = ImageVersion(year: 0, month: 1, build: 1)
        return (ImageVersion(parsing: a.text) ?? zero) < (ImageVersion(parsing: b.text) ?? zero)
    }
}
