import Basics

/// Reads the fields of one JSON object of a signed document strictly: each accessor says
/// what it wants and refuses anything else with the document's name and the field's JSON
/// Pointer. Signed documents are read back as hostile: every field is checked before use.
struct FieldReader {
    let document: String
    let pointer: String
    let members: [(key: String, keyPosition: SourcePosition, value: PositionedJSON)]
    let position: SourcePosition

    init(_ node: PositionedJSON, document: String, pointer: String = "") throws(TrustError) {
        guard case .object(let members) = node.value else { throw .malformed(document: document, detail: "\(pointer.isEmpty ? "/" : pointer): expected an object") }
        self.document = document
        self.pointer = pointer
        self.members = members
        self.position = node.position
    }

    func fail(_ key: String?, _ detail: String) -> TrustError {
        .malformed(document: document, detail: "\(key.map { JSONPointer.appending(pointer, key: $0) } ?? (pointer.isEmpty ? "/" : pointer)): \(detail)")
    }

    /// Refuses keys this format does not have (a field no reader would look at is a field an
    /// attacker could use to confuse another reader).
    func allowOnly(_ keys: Set<String>) throws(TrustError) {
        for member in members where !keys.contains(member.key) { throw fail(member.key, "unknown field") }
    }

    func value(_ key: String) -> PositionedJSON? { members.first { $0.key == key }?.value }

    func has(_ key: String) -> Bool { value(key) != nil }

    func string(_ key: String, maximumLength: Int = 4096) throws(TrustError) -> String {
        guard let node = value(key) else { throw fail(key, "missing") }
        guard case .string(let text) = node.value else { throw fail(key, "expected a string") }
        guard text.utf8.count <= maximumLength else { throw fail(key, "longer than \(maximumLength) bytes") }
        return text
    }

    func optionalString(_ key: String, maximumLength: Int = 4096) throws(TrustError) -> String? {
        guard has(key) else { return nil }
        return try string(key, maximumLength: maximumLength)
    }

    /// A whole number 0 ... 2^53 - 1, written in ASCII digits (JSON readers agree on these).
    func integer(_ key: String) throws(TrustError) -> UInt64 {
        guard let node = value(key) else { throw fail(key, "missing") }
        guard case .number(let text) = node.value, !text.isEmpty, text.utf8.count <= 16, text.allSatisfy(\.isASCIIDigit),
              text == "0" || !text.hasPrefix("0"), let number = UInt64(text), number < 1 << 53 else {
            throw fail(key, "expected a whole number from 0 to 2^53-1")
        }
        return number
    }

    func optionalInteger(_ key: String) throws(TrustError) -> UInt64? {
        guard has(key) else { return nil }
        return try integer(key)
    }

    func bool(_ key: String) throws(TrustError) -> Bool {
        guard let node = value(key) else { throw fail(key, "missing") }
        guard case .bool(let flag) = node.value else { throw fail(key, "expected true or false") }
        return flag
    }

    func object(_ key: String) throws(TrustError) -> FieldReader {
        guard let node = value(key) else { throw fail(key, "missing") }
        return try FieldReader(node, document: document, pointer: JSONPointer.appending(pointer, key: key))
    }

    func array(_ key: String, maximumCount: Int = 4096) throws(TrustError) -> [PositionedJSON] {
        guard let node = value(key) else { throw fail(key, "missing") }
        guard case .array(let items) = node.value else { throw fail(key, "expected a list") }
        guard items.count <= maximumCount else { throw fail(key, "more than \(maximumCount) entries") }
        return items
    }

    func strings(_ key: String, maximumCount: Int = 4096) throws(TrustError) -> [String] {
        var result: [String] = []
        for (index, item) in try array(key, maximumCount: maximumCount).enumerated() {
            guard case .string(let text) = item.value else { throw fail(key, "entry \(index): expected a string") }
            result.append(text)
        }
        return result
    }

    func time(_ key: String) throws(TrustError) -> Date {
        let text = try string(key, maximumLength: 20)
        guard let date = TrustTime.parse(text) else { throw fail(key, "'\(text)' is not a time YYYY-MM-DDTHH:MM:SSZ") }
        return date
    }

    /// A lower-case hex string of exactly `length` characters.
    func hex(_ key: String, length: Int) throws(TrustError) -> String {
        let text = try string(key, maximumLength: length)
        guard Self.isHex(text, length: length) else { throw fail(key, "expected \(length) lower-case hex digits") }
        return text
    }

    static func isHex(_ text: String, length: Int) -> Bool {
        text.utf8.count == length && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}

import FoundationEssentials
