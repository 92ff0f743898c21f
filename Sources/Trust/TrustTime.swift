import Basics
import FoundationEssentials

/// Times in signed documents: `YYYY-MM-DDTHH:MM:SSZ` exactly (UTC, whole seconds), as TUF
/// writes them. One spelling per instant, so what is signed reads one way.
public enum TrustTime {
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "Z") else { return nil }
        for index in [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18] where !(bytes[index] >= 0x30 && bytes[index] <= 0x39) { return nil }
        guard let date = Timestamp.parseISO8601(text), Timestamp.iso8601(date) == text else { return nil }
        return date
    }

    public static func format(_ date: Date) -> String { Timestamp.iso8601(date) }
}
