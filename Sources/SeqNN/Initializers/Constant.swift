/// `zeros`, `ones` and `constant(value)`.
package struct Constant: Initializer {
    package var value: Double
    package let className: String
    package init(value: Double, className: String = "Constant") { self.value = value; self.className = className }
    package var configPairs: [(String, JSON)] { className == "Constant" ? [("value", .real(value))] : [] }
    package func fill(_ t: Tensor, rng: inout SeededGenerator) { t.fill(Float(value)) }
}
