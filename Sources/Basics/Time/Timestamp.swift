import FoundationEssentials

/// The toolchain's one way of writing and reading times: RFC 3339 / ISO 8601 in UTC with
/// whole seconds ("2026-12-02T05:16:24Z"), and HTTP dates (RFC 9110 §5.6.7) for
/// `Retry-After`. Written by hand where FoundationEssentials has no parser (HTTP dates).
public enum Timestamp {
    public static func iso8601(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
    }

    public static func parseISO8601(_ text: String) -> Date? {
        try? Date(text, strategy: Date.ISO8601FormatStyle(timeZone: .gmt))
    }

    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    static let longWeekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    /// An HTTP date in any of the three forms RFC 9110 requires recipients to accept:
    /// IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT`
    /// and asctime `Sun Nov  6 08:49:37 1994`. nil for anything else.
    public static func parseHTTPDate(_ text: String) -> Date? {
        let words = text.trimmed.split(separator: " ", omittingEmptySubsequences: true).map { $0.lowercased() }
        var day: Int?, month: Int?, year: Int?, clock: Substring?
        switch words.count {
        case 6 where words[0].hasSuffix(",") && weekdays.contains(String(words[0].dropLast())) && words[5] == "gmt":
            // IMF-fixdate.
            guard words[1].count == 2, words[3].count == 4 else { return nil }
            day = Int(words[1]); month = months.firstIndex(of: words[2]).map { $0 + 1 }; year = Int(words[3]); clock = Substring(words[4])
        case 4 where words[0].hasSuffix(",") && longWeekdays.contains(String(words[0].dropLast())) && words[3] == "gmt":
            // RFC 850: two-digit years; RFC 9110 says to read one more than 50 years ahead as the past.
            let parts = words[1].split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0].count == 2, parts[2].count == 2, let short = Int(parts[2]) else { return nil }
            day = Int(parts[0]); month = months.firstIndex(of: String(parts[1])).map { $0 + 1 }
            let thisYear = civilYear(of: Date())
            var full = (thisYear / 100) * 100 + short
            if full > thisYear + 50 { full -= 100 }
            year = full; clock = Substring(words[2])
        case 5 where weekdays.contains(words[0]):
            // asctime.
            guard words[4].count == 4 else { return nil }
            month = months.firstIndex(of: words[1]).map { $0 + 1 }; day = Int(words[2]); clock = Substring(words[3]); year = Int(words[4])
        default:
            return nil
        }
        guard let day, let month, let year, let clock else { return nil }
        let hms = clock.split(separator: ":", omittingEmptySubsequences: false)
        guard hms.count == 3, hms.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCIIDigit) }),
              let hour = Int(hms[0]), let minute = Int(hms[1]), let second = Int(hms[2]),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second),
              (1...31).contains(day), (1...12).contains(month), year >= 1900, day <= daysIn(month: month, year: year)
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + hour * 3600 + minute * 60 + second))
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The UTC year of a date.
    static func civilYear(of date: Date) -> Int { yearAndMonth(date).year }

    /// The UTC year and month (1-12) of a date (H. Hinnant's civil-from-days).
    public static func yearAndMonth(_ date: Date) -> (year: Int, month: Int) {
        let days = Int((date.timeIntervalSince1970 / 86_400).rounded(.down)) + 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
