import Basics

/// Image versions `YYYY.MM.N`: N counts builds within a month, from 1.
public struct ImageVersion: Sendable, Equatable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var build: Int

    public init(year: Int, month: Int, build: Int) {
        self.year = year
        self.month = month
        self.build = build
    }

    /// Only the canonical spelling: four ASCII digits, two, and a build number without sign or
    /// leading zero, so that a version is always safe as a file name and a YAML scalar and
    /// one version has one spelling (`2026.+1.1` and `2026.11.01` are refused).
    public init?(parsing text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, (1...6).contains(parts[2].count),
              parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
              let year = Int(parts[0]), let month = Int(parts[1]), let build = Int(parts[2]),
              (1...12).contains(month), build >= 1, !parts[2].hasPrefix("0") else { return nil }
        self.init(year: year, month: month, build: build)
    }

    /// The next version for a build in (year, month), after `previous` (the highest released
    /// before): the month's count goes on; a new month starts at 1; and a previous release from
    /// a later month than the clock's (a clock that is behind) is still followed, never
    /// undercut: versions only go up.
    public static func next(year: Int, month: Int, after previous: ImageVersion?) -> ImageVersion {
        guard let previous else { return ImageVersion(year: year, month: month, build: 1) }
        if (previous.year, previous.month) >= (year, month) {
            return ImageVersion(year: previous.year, month: previous.month, build: previous.build + 1)
        }
        return ImageVersion(year: year, month: month, build: 1)
    }

    public var description: String {
        let monthText = month < 10 ? "0\(month)" : "\(month)"
        return "\(year).\(monthText).\(build)"
    }

    public static func < (a: ImageVersion, b: ImageVersion) -> Bool {
        (a.year, a.month, a.build) < (b.year, b.month, b.build)
    }
}
