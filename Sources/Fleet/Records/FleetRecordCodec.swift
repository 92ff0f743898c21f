import Basics
import FoundationEssentials
import Lock

/// Fleet records go in and out of the store as JSON in the toolchain's canonical form; what
/// comes back is read as hostile: a size cap, strict decoding, then the record's own checks.
public enum FleetRecordCodec {
    /// The most a record may be (a 10,000-box cohort is about 200 KB).
    public static let maximumBytes = 1 << 20

    public static func encode(_ record: some Encodable) -> [UInt8] { CanonicalJSON.compact(record) }

    public static func decode<Record: Decodable>(_ type: Record.Type, from bytes: [UInt8], key: String) throws(FleetError) -> Record {
        guard bytes.count <= maximumBytes else { throw .malformed(key: key, detail: "\(bytes.count) bytes; at most \(maximumBytes) are read") }
        do {
            return try JSONDecoder().decode(Record.self, from: Data(bytes))
        } catch let error as FleetError {
            throw error
        } catch let DecodingError.dataCorrupted(context) {
            throw .malformed(key: key, detail: "\(pointer(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.keyNotFound(codingKey, context) {
            throw .malformed(key: key, detail: "\(pointer(context.codingPath + [codingKey])): missing")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .malformed(key: key, detail: "\(pointer(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.valueNotFound(_, context) {
            throw .malformed(key: key, detail: "\(pointer(context.codingPath)): null where a value was expected")
        } catch {
            throw .malformed(key: key, detail: "not JSON this layout writes")
        }
    }

    static func pointer(_ path: [any CodingKey]) -> String {
        path.isEmpty ? "/" : path.reduce("") { JSONPointer.appending($0, key: $1.intValue.map(String.init) ?? $1.stringValue) }
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
