extension Character {
    /// 0-9 only: `isNumber` and `isWholeNumber` also accept other scripts' digits.
    public var isASCIIDigitCharacter: Bool { ("0"..."9").contains(self) && isASCII }
}
