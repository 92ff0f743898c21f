extension Character {
    /// 0-9 only: `isNumber` and `isWholeNumber` also accept other scripts' digits.
    public var isASCIIDigit: Bool { ("0"..."9").contains(self) && isASCII }
}
