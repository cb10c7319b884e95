/// A Keras weight initializer (`keras.initializers.*`): fills a new weight tensor.
package protocol Initializer: Sendable {
    /// Keras's class name ("GlorotUniform") written into configs.
    var className: String { get }
    /// The `config` dict Keras writes for it.
    var configPairs: [(String, JSON)] { get }
    func fill(_ t: Tensor, rng: inout SeededGenerator)
}

extension Initializer {
    /// The form every Keras reads (format §5.3, §10): the plain name ("glorot_uniform") when the config holds
    /// only defaults, else `{"class_name", "config"}` without `module` (Keras 3.3 rejects some module forms,
    /// Keras 2 rejects Keras 3.15's extra GlorotUniform keys).
    package var json: JSON {
        let defaults = configPairs.allSatisfy { $0.1.isNull }
        if defaults { return .string(Initializers.snakeCase(className)) }
        return .object([("class_name", .string(className)), ("config", .object(configPairs))])
    }
}

/// Keras's fan computation (`compute_fans`): a [in, out] kernel, or a conv kernel whose leading
/// dimensions are the receptive field.
func computeFans(_ shape: [Int]) -> (fanIn: Double, fanOut: Double) {
    switch shape.count {
    case 0: return (1, 1)
    case 1: return (Double(shape[0]), Double(shape[0]))
    case 2: return (Double(shape[0]), Double(shape[1]))
    default:
        let receptive = Double(shape.dropLast(2).reduce(1, *))
        return (Double(shape[shape.count - 2]) * receptive, Double(shape[shape.count - 1]) * receptive)
    }
}

package enum Initializers {
    static let names = ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
                        "lecun_normal", "random_uniform", "random_normal", "truncated_normal", "zeros",
                        "ones", "constant", "orthogonal", "identity"]

    /// Resolves an initializer from a Keras name ("glorot_uniform"), a class name ("GlorotUniform"),
    /// or a serialized dict (`{"class_name": ..., "config": {...}}`, Keras 2 or 3).
    package static func from(_ spec: JSON) throws -> any Initializer {
        if let s = spec.string { return try make(s, config: .object([])) }
        guard let cls = spec["class_name"]?.string else {
            throw SeqNNError(.invalidArgument, "initializer must be a name or {\"class_name\", \"config\"}, found \(spec)")
        }
        return try make(cls, config: spec["config"] ?? .object([]))
    }

    static func make(_ name: String, config c: JSON) throws -> any Initializer {
        let seed = c["seed"]?.int.map { UInt64(truncatingIfNeeded: $0) }
        func num(_ k: String, _ d: Double) -> Double { c[k]?.number ?? d }
        switch snakeCase(name) {
        case "glorot_uniform": return VarianceScaling.glorotUniform(seed: seed)
        case "glorot_normal": return VarianceScaling.glorotNormal(seed: seed)
        case "he_uniform": return VarianceScaling.heUniform(seed: seed)
        case "he_normal": return VarianceScaling.heNormal(seed: seed)
        case "lecun_uniform": return VarianceScaling.lecunUniform(seed: seed)
        case "lecun_normal": return VarianceScaling.lecunNormal(seed: seed)
        case "variance_scaling":
            return try VarianceScaling(scale: num("scale", 1), mode: c["mode"]?.string ?? "fan_in",
                                       distribution: c["distribution"]?.string ?? "truncated_normal", seed: seed)
        case "random_uniform": return RandomUniform(minval: num("minval", -0.05), maxval: num("maxval", 0.05), seed: seed)
        case "random_normal": return RandomNormal(mean: num("mean", 0), stddev: num("stddev", 0.05), seed: seed)
        case "truncated_normal": return TruncatedNormal(mean: num("mean", 0), stddev: num("stddev", 0.05), seed: seed)
        case "zeros": return Constant(value: 0, className: "Zeros")
        case "ones": return Constant(value: 1, className: "Ones")
        case "constant": return Constant(value: num("value", 0), className: "Constant")
        case "orthogonal": return Orthogonal(gain: num("gain", 1), seed: seed)
        case "identity": return Identity(gain: num("gain", 1))
        default:
            throw SeqNNError(.invalidArgument, "unknown initializer '\(name)'; known: \(names.joined(separator: ", "))")
        }
    }

    /// "GlorotUniform" -> "glorot_uniform"; names already in snake case pass through.
    static func snakeCase(_ s: String) -> String {
        var out = ""
        for ch in s {
            if ch.isUppercase {
                if !out.isEmpty && out.last != "_" { out.append("_") }
                out.append(Character(ch.lowercased()))
            } else { out.append(ch) }
        }
        return out
    }
}

/// Draws from the initializer's own seed when the config gives one (Keras's `seed` argument),
/// otherwise from the model's generator.
struct SeedChoice: Sendable {
    let seed: UInt64?
    func withGenerator(_ rng: inout SeededGenerator, _ body: (inout SeededGenerator) -> Void) {
        if let seed {
            var own = SeededGenerator(seed: seed)
            body(&own)
        } else { body(&rng) }
    }
    var json: JSON { seed.map { .number(Double($0)) } ?? .null }
}
