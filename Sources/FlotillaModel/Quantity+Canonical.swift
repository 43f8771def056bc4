import Foundation

extension Quantity {
    /// The form the API server stores a quantity in (`1000m` → `1`, `0.5` → `500m`, `1024Mi` → `1Gi`): the largest
    /// suffix of the same family (binary when the text used one) that leaves a whole number. Nil when the text is not
    /// a quantity. Values finer than nanounits are left as written.
    public var canonical: String? {
        guard let value = decimalValue else { return nil }
        if value == 0 { return "0" }
        let binary = text.hasSuffix("i")
        if binary, Self.isWhole(value) {
            let units: [(String, Decimal)] = [("Ei", pow(1024, 6)), ("Pi", pow(1024, 5)), ("Ti", pow(1024, 4)),
                                              ("Gi", pow(1024, 3)), ("Mi", pow(1024, 2)), ("Ki", 1024)]
            for (suffix, factor) in units where Self.isWhole(value / factor) { return "\(value / factor)\(suffix)" }
            return "\(value)"
        }
        let units: [(String, Int)] = [("E", 18), ("P", 15), ("T", 12), ("G", 9), ("M", 6), ("k", 3), ("", 0),
                                      ("m", -3), ("u", -6), ("n", -9)]
        for (suffix, exponent) in units {
            let scaled = value / Decimal(sign: .plus, exponent: exponent, significand: 1)
            if Self.isWhole(scaled) { return "\(scaled)\(suffix)" }
        }
        return text
    }

    private static func isWhole(_ value: Decimal) -> Bool {
        var input = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &input, 0, .plain)
        return rounded == value
    }
}
