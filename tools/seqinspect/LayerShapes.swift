import SeqNN
import SeqNNFile

/// Output and weight shapes of one layer config. For every layer SeqNN can build, SeqNN's own layer computes
/// them (`LayerRegistry.make`, then `build` for the input shape), so seqinspect and the library cannot
/// disagree; `Shapes` (Keras's formulas) covers the rest: classes SeqNN cannot run and configs it refuses.
///
/// `build` allocates the layer's weights and gradients, and a tiny hostile file can declare
/// `Dense(units=2**31)`. So before building, the weights the layer declares (`Layer.declaredWeightCount`) are checked
/// against a budget: what the file could hold, at least `minimumBudget`. A layer over it is not built; its
/// problem names the layer.
final class LayerShapes {
    /// Weight values the whole model may declare before seqinspect stops building its layers.
    let budget: Int
    private(set) var used = 0
    let kerasMajor: Int
    let fileSize: Int

    /// 4M values (16 MB, twice that with gradients): plenty for any model a config-only file describes.
    static let minimumBudget = 1 << 22
    /// Stand-ins for Keras's `None` (variable) dimensions: the layer is built for both, and an output
    /// dimension that differs between the two builds is `None`.
    static let placeholders = (61, 67)

    /// A float32 file holds 4 bytes per weight; half the file size in values also admits float16 weights.
    init(fileSize: Int, kerasMajor: Int) {
        self.fileSize = fileSize
        self.kerasMajor = kerasMajor
        budget = max(Self.minimumBudget, fileSize / 2)
    }

    struct Outcome {
        var result: Shapes.Result
        /// nil when SeqNN can build the layer, else why not (LayerRegistry's message, or the budget).
        var seqnnProblem: String?
        /// A declared size over the budget: the model is broken.
        var problem: String?
    }

    func infer(className: String, config c: JSON, input: [Int?]?, name: String) -> Outcome {
        if let input, let unusable = Self.unusable(input) {
            let problem = unusable.broken ? "layer '\(name)' (\(className)): \(unusable.reason); the shapes from here on are unknown" : nil
            return Outcome(result: Shapes.Result(output: nil, params: nil), seqnnProblem: unusable.reason, problem: problem)
        }
        let made: Layer
        do { made = try LayerRegistry.make(className: className, config: c, kerasMajor: kerasMajor) } catch {
            return Outcome(result: Shapes.infer(className: className, config: c, input: input, inner: innerResult),
                           seqnnProblem: Self.reason(error))
        }
        if let bad = Shapes.validate(className: className, config: c) {
            return Outcome(result: Shapes.Result(output: nil, params: nil, invalid: bad), seqnnProblem: nil)
        }
        return built(made, className: className, config: c, input: input, name: name)
    }

    /// LayerRegistry's message without its list of supported classes, which grows with every release.
    static func reason(_ error: Error) -> String {
        guard let e = error as? SeqNNError else { return "\(error)" }
        return e.message.firstRange(of: "; supported: ").map { String(e.message[..<$0.lowerBound]) } ?? e.message
    }

    /// For Bidirectional and TimeDistributed layers SeqNN cannot run: their inner layer, the same way.
    func innerResult(className: String, config: JSON, input: [Int?]?) -> Shapes.Result {
        infer(className: className, config: config, input: input, name: config["name"]?.string ?? className).result
    }

    // MARK: Building

    func built(_ layer: Layer, className: String, config c: JSON, input: [Int?]?, name: String) -> Outcome {
        guard let input else {
            // Nothing to build for; only a weightless layer's count is known.
            // A layer that declares no weights even for a one-value input has none.
            return Outcome(result: Shapes.Result(output: nil, params: layer.declaredWeightCount(inputShape: [1]) == 0 ? 0 : nil), seqnnProblem: nil)
        }
        if let tooLarge = Self.sizeBeyondSeqNN(c) {
            return Outcome(result: Shapes.Result(output: nil, params: nil), seqnnProblem: tooLarge,
                           problem: "layer '\(name)' (\(className)): \(tooLarge); it is not built, and the shapes from here on are unknown")
        }
        let declared = layer.declaredWeightCount(inputShape: input.map { $0 ?? Self.placeholders.0 })
        guard declared <= budget - used else { return overBudget(declared, className: className, input: input, name: name) }
        used += declared
        let variable = input.contains(where: { $0 == nil })
        do {
            let result = try build(layer, input.map { $0 ?? Self.placeholders.0 })
            guard variable else { return Outcome(result: result, seqnnProblem: nil) }
            let again = try build(LayerRegistry.make(className: className, config: c, kerasMajor: kerasMajor),
                                  input.map { $0 ?? Self.placeholders.1 })
            return Outcome(result: Self.merged(result, again), seqnnProblem: nil)
        } catch {
            // With stand-ins for None the failure may be theirs; with a known input SeqNN cannot build it.
            return Outcome(result: Shapes.Result(output: nil, params: nil), seqnnProblem: variable ? nil : Self.reason(error))
        }
    }

    /// Two builds for different stand-ins of None: an output dimension that differs is None. Weights that
    /// depend on a None dimension mean Keras could not build the layer either.
    static func merged(_ a: Shapes.Result, _ b: Shapes.Result) -> Shapes.Result {
        guard a.weightShapes == b.weightShapes, let x = a.output, let y = b.output, x.count == y.count else {
            return Shapes.Result(output: nil, params: nil)
        }
        var result = a
        result.output = zip(x, y).map { $0 == $1 ? $0 : nil }
        return result
    }

    func overBudget(_ declared: Int, className: String, input: [Int?], name: String) -> Outcome {
        let message = "layer '\(name)' (\(className)): its config declares up to \(Format.grouped(declared)) weights for input "
            + "\(Shapes.describe(batch: nil, input)), more than seqinspect builds for this \(Format.grouped(fileSize))-byte file "
            + "(\(Format.grouped(budget)) weights in all, \(Format.grouped(used)) used by earlier layers); it is not built, "
            + "and the shapes from here on are unknown"
        return Outcome(result: Shapes.Result(output: nil, params: nil),
                       seqnnProblem: "declares up to \(Format.grouped(declared)) weights, more than the file can hold", problem: message)
    }

    /// An input no layer can work on: an empty or negative dimension (the layer before already has a problem
    /// for it), or more than `Tensor.maxElements` values per sample, which SeqNN refuses before building
    /// (Layer.buildChecked). Stopping here keeps all later arithmetic on sizes within 2^31.
    static func unusable(_ input: [Int?]) -> (reason: String, broken: Bool)? {
        let known = input.compactMap { $0 }
        if known.contains(where: { $0 <= 0 }) { return ("its input \(Shapes.describe(batch: nil, input)) has an empty or negative dimension", false) }
        if Tensor.checkedElementCount(known) == nil {
            return ("its input \(Shapes.describe(batch: nil, input)) holds more than \(Format.grouped(Tensor.maxElements)) values per sample, more than SeqNN accepts", true)
        }
        return nil
    }

    /// No size in a config SeqNN runs comes near `Tensor.maxElements`; refusing larger ones before building
    /// keeps the builds' arithmetic (padding added, sizes multiplied in pairs) from overflowing on a hostile
    /// file. Seeds and Keras 3's `shared_object_id` (an object's id in the saving process) are exempt: they
    /// are not sizes.
    static func sizeBeyondSeqNN(_ c: JSON) -> String? {
        func walk(_ j: JSON, _ key: String) -> String? {
            switch j {
            case .number(let n) where key != "seed" && key != "shared_object_id" && abs(n) > Double(Tensor.maxElements):
                return "'\(key)' = \(n.rounded() == n ? Format.c("%.0f", n) : "\(n)") in its config is larger than any size SeqNN accepts (\(Format.grouped(Tensor.maxElements)))"
            case .array(let a): return a.lazy.compactMap { walk($0, key) }.first
            case .object(let o): return o.lazy.compactMap { walk($1, $0) }.first
            default: return nil
            }
        }
        return walk(c, "config")
    }

    /// SeqNN's build: the output shape, and the weights in Keras order with the ones Keras does not train.
    func build(_ layer: Layer, _ input: [Int]) throws -> Shapes.Result {
        var rng = SeededGenerator(seed: 0)
        let output = try layer.build(inputShape: input, rng: &rng)
        let weights = layer.parameters
        return Shapes.Result(output: output.map { $0 }, params: weights.reduce(0) { $0 + $1.value.count },
                             weightShapes: weights.map(\.value.shape),
                             nonTrainable: weights.filter { !$0.trainsByDefault }.reduce(0) { $0 + $1.value.count })
    }
}
