extension FixedWidthInteger {
    /// Lower-case hexadecimal, zero-padded to the type's width (two digits for a byte).
    public var paddedHex: String {
        let digits = String(self, radix: 16)
        return String(repeating: "0", count: Swift.max(0, Self.bitWidth / 4 - digits.count)) + digits
    }
}
