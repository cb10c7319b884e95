/// `zeros`, `ones` and `constant(value)`.
public struct Constant: Initializer {
    public var value: Double
    public let className: String
    public init(value: Double, className: String = "Constant") { self.value = value; self.className = className }
    public var configPairs: [(String, JSON)] { className == "Constant" ? [("value", .real(value))] : [] }
    public func fill(_ t: Tensor, rng: inout SeededGenerator) { t.fill(Float(value)) }
}
