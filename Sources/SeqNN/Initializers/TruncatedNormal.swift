/// `truncated_normal`: normal with mean 0, stddev 0.05 (Keras defaults), redrawn beyond 2 stddev.
package struct TruncatedNormal: Initializer {
    package var mean: Double, stddev: Double
    let seed: SeedChoice
    package init(mean: Double = 0, stddev: Double = 0.05, seed: UInt64? = nil) {
        self.mean = mean; self.stddev = stddev; self.seed = SeedChoice(seed: seed)
    }
    package var className: String { "TruncatedNormal" }
    package var configPairs: [(String, JSON)] { [("mean", .real(mean)), ("stddev", .real(stddev)), ("seed", seed.json)] }
    package func fill(_ t: Tensor, rng: inout SeededGenerator) {
        seed.withGenerator(&rng) { g in
            for i in 0..<t.count { t.data[i] = Float(mean + stddev * truncatedNormal(&g)) }
        }
    }
}
