/// `random_normal`: normal with Keras defaults mean 0, stddev 0.05.
public struct RandomNormal: Initializer {
    public var mean: Double, stddev: Double
    let seed: SeedChoice
    public init(mean: Double = 0, stddev: Double = 0.05, seed: UInt64? = nil) {
        self.mean = mean; self.stddev = stddev; self.seed = SeedChoice(seed: seed)
    }
    public var className: String { "RandomNormal" }
    public var configPairs: [(String, JSON)] { [("mean", .real(mean)), ("stddev", .real(stddev)), ("seed", seed.json)] }
    public func fill(_ t: Tensor, rng: inout SeededGenerator) {
        seed.withGenerator(&rng) { g in
            for i in 0..<t.count { t.data[i] = Float(mean + stddev * g.normal()) }
        }
    }
}
