import Basics
import FoundationEssentials
import Testing

@Suite struct TimestampTests {
    @Test func iso8601IsUTCWithWholeSeconds() {
        #expect(Timestamp.iso8601(Date(timeIntervalSince1970: 1_796_189_143.75)) == "2026-12-02T05:25:43Z")
        #expect(Timestamp.parseISO8601("2026-12-02T05:25:43Z") == Date(timeIntervalSince1970: 1_796_189_143))
        #expect(Timestamp.parseISO8601("yesterday") == nil)
    }

    // RFC 9110 §5.6.7: the three forms a recipient must accept, all the same instant.
    @Test(arguments: ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"])
    func httpDates(text: String) {
        #expect(Timestamp.parseHTTPDate(text) == Date(timeIntervalSince1970: 784_111_777))
    }

    @Test func leapDaysAndCenturies() {
        #expect(Timestamp.parseHTTPDate("Thu, 29 Feb 2024 00:00:00 GMT") == Date(timeIntervalSince1970: 1_709_164_800))
        #expect(Timestamp.parseHTTPDate("Tue, 29 Feb 2100 00:00:00 GMT") == nil) // not a leap year
        #expect(Timestamp.parseHTTPDate("Sat, 01 Jan 2000 00:00:00 GMT") == Date(timeIntervalSince1970: 946_684_800))
    }

    @Test(arguments: ["", "soon", "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT",
                      "Sun, 31 Apr 1994 08:49:37 GMT", "Sun, 06 Xyz 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:4９:37 GMT"])
    func malformedHTTPDatesAreRefused(text: String) {
        #expect(Timestamp.parseHTTPDate(text) == nil)
    }
}
