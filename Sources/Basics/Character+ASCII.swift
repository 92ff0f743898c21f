extension Character {
    /// 0-9 only: `isNumber` and `isWholeNumber` also accept other scripts' digits.
    public var isASCIIDigit: Bool { ("0"..."9").contains(self) && isASCII }
}

extension Int {
    /// A number written the way every consumer reads it: ASCII digits only, an optional
    /// leading '-', no '+', no leading zeros (YAML 1.1 reads `010` as octal), at most 18
    /// digits. `Int("+8")` and `Int("010")` accept what a netplan or chrony parser may not.
    public init?<S: StringProtocol>(asciiDecimal text: S) {
        let whole = String(text)
        let digits = whole.hasPrefix("-") ? whole.dropFirst() : Substring(whole)
        guard (1...18).contains(digits.count), digits.allSatisfy(\.isASCIIDigit),
              digits.count == 1 || digits.first != "0", let value = Int(whole) else { return nil }
        if whole.hasPrefix("-") && value == 0 { return nil }
        self = value
    }
}

extension Character {
    /// 0-9, a-f, A-F only (`isHexDigit` also accepts fullwidth forms).
    public var isASCIIHexDigit: Bool { isASCII && isHexDigit }
}
