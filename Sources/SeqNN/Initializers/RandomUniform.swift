/// `random_uniform`: uniform in [minval, maxval), Keras defaults -0.05 and 0.05.
package struct RandomUniform: Initializer {
    package var minval: Double, maxval: Double
    let seed: SeedChoice
    package init(minval: Double = -0.05, maxval: Double = 0.05, seed: UInt64? = nil) {
        self.minval = minval; self.maxval = maxval; self.seed = SeedChoice(seed: seed)
    }
    package var className: String { "RandomUniform" }
    package var configPairs: [(String, JSON)] { [("minval", .real(minval)), ("maxval", .real(maxval)), ("seed", seed.json)] }
    package func fill(_ t: Tensor, rng: inout SeededGenerator) {
        seed.withGenerator(&rng) { g in
            for i in 0..<t.count { t.data[i] = Float(minval + (maxval - minval) * g.uniform()) }
        }
    }
}
