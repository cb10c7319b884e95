/// `VarianceScaling` and its named forms (glorot_*, he_*, lecun_*), as Keras defines them:
/// n = fan_in, fan_out or their mean; uniform draws from [-sqrt(3 scale / n), +...];
/// truncated normal uses stddev sqrt(scale / n) / 0.87962566 (the stddev of a unit normal cut at 2).
package struct VarianceScaling: Initializer {
    package var scale: Double
    package var mode: String
    package var distribution: String
    let seed: SeedChoice
    var named: String?

    package init(scale: Double, mode: String, distribution: String, seed: UInt64?, named: String? = nil) throws {
        guard scale > 0 else { throw SeqNNError(.invalidArgument, "VarianceScaling scale must be > 0, found \(scale)") }
        guard ["fan_in", "fan_out", "fan_avg"].contains(mode) else {
            throw SeqNNError(.invalidArgument, "VarianceScaling mode must be fan_in, fan_out or fan_avg, found '\(mode)'")
        }
        guard ["uniform", "truncated_normal", "untruncated_normal", "normal"].contains(distribution) else {
            throw SeqNNError(.invalidArgument, "VarianceScaling distribution '\(distribution)' is not known")
        }
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.seed = SeedChoice(seed: seed)
        self.named = named
    }

    package static func glorotUniform(seed: UInt64?) -> VarianceScaling { try! .init(scale: 1, mode: "fan_avg", distribution: "uniform", seed: seed, named: "GlorotUniform") }
    package static func glorotNormal(seed: UInt64?) -> VarianceScaling { try! .init(scale: 1, mode: "fan_avg", distribution: "truncated_normal", seed: seed, named: "GlorotNormal") }
    package static func heUniform(seed: UInt64?) -> VarianceScaling { try! .init(scale: 2, mode: "fan_in", distribution: "uniform", seed: seed, named: "HeUniform") }
    package static func heNormal(seed: UInt64?) -> VarianceScaling { try! .init(scale: 2, mode: "fan_in", distribution: "truncated_normal", seed: seed, named: "HeNormal") }
    package static func lecunUniform(seed: UInt64?) -> VarianceScaling { try! .init(scale: 1, mode: "fan_in", distribution: "uniform", seed: seed, named: "LecunUniform") }
    package static func lecunNormal(seed: UInt64?) -> VarianceScaling { try! .init(scale: 1, mode: "fan_in", distribution: "truncated_normal", seed: seed, named: "LecunNormal") }

    package var className: String { named ?? "VarianceScaling" }
    package var configPairs: [(String, JSON)] {
        if named != nil { return [("seed", seed.json)] }
        return [("scale", .real(scale)), ("mode", .string(mode)), ("distribution", .string(distribution)), ("seed", seed.json)]
    }

    package func fill(_ t: Tensor, rng: inout SeededGenerator) {
        let (fanIn, fanOut) = computeFans(t.shape)
        let n = max(1, mode == "fan_in" ? fanIn : mode == "fan_out" ? fanOut : (fanIn + fanOut) / 2)
        let variance = scale / n
        seed.withGenerator(&rng) { g in
            switch distribution {
            case "uniform":
                let limit = (3 * variance).squareRoot()
                for i in 0..<t.count { t.data[i] = Float((g.uniform() * 2 - 1) * limit) }
            case "truncated_normal":
                let sd = variance.squareRoot() / 0.87962566103423978
                for i in 0..<t.count { t.data[i] = Float(truncatedNormal(&g) * sd) }
            default:
                let sd = variance.squareRoot()
                for i in 0..<t.count { t.data[i] = Float(g.normal() * sd) }
            }
        }
    }
}

/// A unit normal redrawn until it falls within two standard deviations (TensorFlow's truncated_normal).
func truncatedNormal(_ g: inout SeededGenerator) -> Double {
    while true {
        let v = g.normal()
        if abs(v) <= 2 { return v }
    }
}
