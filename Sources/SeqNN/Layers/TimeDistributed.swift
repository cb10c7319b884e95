/// `keras.layers.TimeDistributed(Dense(...))`: the same Dense applied to every time step of a
/// (batch, timesteps, features) input, giving (batch, timesteps, units).
///
/// Its weights are the Dense's (`kernel (features, units)`, `bias (units,)`), saved under the wrapper's
/// name as Keras does. The Dense runs once over all batch*timesteps rows (one sgemm). Only Dense can be
/// wrapped; other layers are refused as unsupported.
package final class TimeDistributed: Layer, @unchecked Sendable {
    override package class var kerasClassName: String { "TimeDistributed" }
    package let layer: Dense

    package init(_ layer: Dense, name: String = "time_distributed") {
        self.layer = layer
        super.init(name: name)
    }

    /// Keras: `supports_masking = True`; a mask passes through unchanged.
    override package func maskOutput(inputMask: [Int]?) throws -> MaskOutput { .passing(inputMask) }

    override package func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
        guard inputShape.count >= 2 else {
            throw SeqNNError.shape("TimeDistributed '\(name)' needs inputs with a time axis, (batch, timesteps, features), found \(describeShape(inputShape))")
        }
        return try layer.buildChecked(inputShape: inputShape, rng: &rng)
    }

    override package var parameters: [Parameter] { layer.parameters }
    override package var kerasVariableGroups: [String] { layer.kerasVariableGroups.map { "layer/" + $0 } }

    override package func declaredWeightCount(inputShape: [Int]) -> Int {
        layer.declaredWeightCount(inputShape: Array(inputShape.dropFirst()))
    }

    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        layer.forward(x, state, training: training, rng: &rng)
    }

    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        layer.backward(x, dy, state, needInputGrad: needInputGrad)
    }

    override package func layerConfig() -> [(String, JSON)] {
        // Keras 3 finds a nested layer's class only through "module" (both Keras 2 and 3 write it).
        [("layer", .object([("module", "keras.layers"), ("class_name", .string(layer.kerasClassName)), ("config", layer.config()),
                            ("registered_name", .null)]))]
    }
}

extension TimeDistributed {
    convenience init(config c: LayerConfig) throws {
        guard let inner = c.json["layer"], let cls = inner["class_name"]?.string else {
            throw c.fail("layer", "the wrapped layer, {\"class_name\": \"Dense\", \"config\": {...}}")
        }
        guard cls == "Dense" else {
            throw SeqNNError(.unsupported, "\(c.label): TimeDistributed(\(cls)) is not supported; SeqNN's TimeDistributed wraps Dense")
        }
        guard let dense = try LayerRegistry.make(className: cls, config: inner["config"] ?? .object([]), kerasMajor: c.kerasMajor) as? Dense else {
            throw c.fail("layer", "a Dense layer")
        }
        dense.declaredBatchInputShape = nil
        self.init(dense, name: c.name ?? "time_distributed")
    }
}
