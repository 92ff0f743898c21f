import Basics
import FoundationEssentials

/// One problem in a site spec: file, line:column, JSON Pointer, and what was expected.
public struct SpecIssue: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var position: JSONPosition
    public var pointer: String
    public var message: String

    public var description: String { "\(file):\(position): \(pointer.isEmpty ? "/" : pointer): \(message)" }
}

/// Every problem found in a site spec, reported together.
public struct SpecError: Error, Sendable, Equatable, CustomStringConvertible {
    public var issues: [SpecIssue]

    public var description: String {
        "the site spec has \(issues.count == 1 ? "1 problem" : "\(issues.count) problems"):\n" + issues.map { "  \($0)" }.joined(separator: "\n")
    }
}

/// A position-aware view of one JSON value with its pointer; typed accessors record issues.
struct SpecNode {
    let json: PositionedJSON
    let pointer: String
    let collector: IssueCollector

    func issue(_ message: String) { collector.add(at: json.position, pointer: pointer, message) }

    func object(allowed: [String], required: [String] = []) -> [String: SpecNode]? {
        guard case .object(let members) = json.value else {
            issue("expected an object with keys \(allowed.joined(separator: ", "))")
            return nil
        }
        var result: [String: SpecNode] = [:]
        for member in members {
            let childPointer = JSONPointer.appending(pointer, key: member.key)
            guard allowed.contains(member.key) else {
                collector.add(at: member.keyPosition, pointer: childPointer, "unknown key '\(member.key)'; expected one of: \(allowed.joined(separator: ", "))")
                continue
            }
            guard result[member.key] == nil else {
                collector.add(at: member.keyPosition, pointer: childPointer, "duplicate key '\(member.key)'")
                continue
            }
            result[member.key] = SpecNode(json: member.value, pointer: childPointer, collector: collector)
        }
        for key in required where result[key] == nil { issue("missing required key '\(key)'") }
        return result
    }

    func array() -> [SpecNode]? {
        guard case .array(let items) = json.value else { issue("expected an array"); return nil }
        return items.enumerated().map { SpecNode(json: $1, pointer: JSONPointer.appending(pointer, index: $0), collector: collector) }
    }

    func string() -> String? {
        guard case .string(let value) = json.value else { issue("expected a string"); return nil }
        return value
    }

    func string(where isValid: (String) -> Bool, otherwise message: (String) -> String) -> String? {
        guard let value = string() else { return nil }
        guard isValid(value) else { issue(message(value)); return nil }
        return value
    }

    func int(in range: ClosedRange<Int>) -> Int? {
        guard case .number(let text) = json.value, let value = Int(text) else {
            issue("expected a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        guard range.contains(value) else {
            issue("\(value) is out of range; expected \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return value
    }

    func bool() -> Bool? {
        guard case .bool(let value) = json.value else { issue("expected true or false"); return nil }
        return value
    }

    func ip() -> IPAddress? {
        string().flatMap { text in
            if let address = IPAddress(text) { return address }
            issue("'\(text)' is not an IPv4 or IPv6 address")
            return nil
        }
    }

    func interfaceAddress() -> InterfaceAddress? {
        string().flatMap { text in
            if let address = InterfaceAddress(text) { return address }
            issue("'\(text)' is not an address with a prefix length, such as 10.20.0.10/24 or 2001:db8::10/64")
            return nil
        }
    }
}

final class IssueCollector {
    let file: String
    private(set) var issues: [SpecIssue] = []
    init(file: String) { self.file = file }
    func add(at position: JSONPosition, pointer: String, _ message: String) {
        issues.append(SpecIssue(file: file, position: position, pointer: pointer, message: message))
    }
}
