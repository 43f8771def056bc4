import Foundation

extension Quantity {
    /// The exact value (`"500m"` → 0.5, `"1.5Gi"` → 1610612736), or nil when the text is not a Kubernetes quantity.
    private static let suffixes: [(String, Decimal)] = [
        ("Ki", 1024), ("Mi", pow(1024, 2)), ("Gi", pow(1024, 3)), ("Ti", pow(1024, 4)), ("Pi", pow(1024, 5)),
        ("Ei", pow(1024, 6)), ("n", Decimal(sign: .plus, exponent: -9, significand: 1)),
        ("u", Decimal(sign: .plus, exponent: -6, significand: 1)), ("m", Decimal(sign: .plus, exponent: -3, significand: 1)),
        ("k", 1000), ("M", pow(1000, 2)), ("G", pow(1000, 3)), ("T", pow(1000, 4)), ("P", pow(1000, 5)),
        ("E", pow(1000, 6)),
    ]

    /// Whole-number quantities with an optional binary or `m`/`k` suffix, parsed without Decimal (the common case).
    private var fastValue: (whole: Int64, milli: Int64)? {
        var digits = Substring(text)
        var factor: Int64 = 1
        var milli = false
        for (suffix, multiplier) in [("Ki", Int64(1) << 10), ("Mi", Int64(1) << 20), ("Gi", Int64(1) << 30),
                                     ("Ti", Int64(1) << 40), ("k", 1000), ("M", 1_000_000), ("G", 1_000_000_000)]
        where digits.hasSuffix(suffix) {
            digits = digits.dropLast(suffix.count)
            factor = multiplier
            break
        }
        if factor == 1 && digits.hasSuffix("m") {
            digits = digits.dropLast()
            milli = true
        }
        guard !digits.isEmpty, digits.utf8.count <= 15, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let number = Int64(digits) else { return nil }
        if milli { return ((number + 999) / 1000, number) }
        let (whole, overflow) = number.multipliedReportingOverflow(by: factor)
        let (thousandths, overflowMilli) = whole.multipliedReportingOverflow(by: 1000)
        // Too large for 64 bits in thousandths: the Decimal path decides (and finds it out of range).
        guard !overflow, !overflowMilli else { return nil }
        return (whole, thousandths)
    }

    private static let posix = Locale(identifier: "en_US_POSIX")

    public var decimalValue: Decimal? {
        let text = self.text.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return nil }
        let suffixes = Quantity.suffixes
        var number = Substring(text)
        var multiplier: Decimal = 1
        for (suffix, factor) in suffixes where text.hasSuffix(suffix) {
            // "1E3" is an exponent, not the E suffix: only a suffix after a digit-only mantissa counts.
            let candidate = text.dropLast(suffix.count)
            if suffix == "E" && candidate.contains(where: { $0 == "e" || $0 == "E" }) { continue }
            number = candidate
            multiplier = factor
            break
        }
        guard !number.isEmpty,
              number.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" || $0 == "e" || $0 == "E" }),
              let value = Decimal(string: String(number), locale: Quantity.posix) else {
            return nil
        }
        return value * multiplier
    }

    /// The value in thousandths, rounded up (how Kubernetes compares CPU); nil when it is not a quantity or does
    /// not fit 64 bits (no arithmetic on it can then trap).
    public var milliValue: Int64? { fastValue?.milli ?? decimalValue.flatMap { Quantity.roundUp($0 * 1000) } }

    /// The value, rounded up to a whole number (how Kubernetes compares memory, pods and other resources); nil when
    /// it is not a quantity or does not fit 64 bits.
    public var integerValue: Int64? { fastValue?.whole ?? decimalValue.flatMap { Quantity.roundUp($0) } }

    /// Whether the value is a quantity whose thousandths fit 64 bits (`99999999999Gi` does not).
    public var isInRange: Bool { milliValue != nil }

    /// The amount the scheduler and the kubelet compare for a resource: CPU in millicores, everything else in
    /// whole units.
    public func amount(for resource: String) -> Int64? {
        resource == "cpu" ? milliValue : integerValue
    }

    private static func roundUp(_ value: Decimal) -> Int64? {
        var input = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &input, 0, .up)
        // Kubernetes' own limit (an int64 of milli-units): beyond it the value is out of range, not wrapped.
        guard rounded <= Decimal(Int64.max), rounded >= Decimal(Int64.min) else { return nil }
        return NSDecimalNumber(decimal: rounded).int64Value
    }
}
