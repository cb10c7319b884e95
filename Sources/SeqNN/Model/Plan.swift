/// How a model runs its layers: an immutable list of stages, each one layer or a fused group, fixed by
/// `compile` (training) or per call (inference). One fusion pass builds it by asking the layers what they
/// support (`Layer.fuses(with:)`, `Layer.exposesLogits(for:)`); the model loop only walks the stages and
/// never tests layer types.
struct Plan: Sendable {
    enum Stage: Sendable, Equatable {
        /// layers[i] alone.
        case layer(Int)
        /// layers[i] and layers[i + 1] in one pass (`Layer.forwardFused`): a convolution with the pooling
        /// after it, whose output is then never stored.
        case fused(Int)

        var first: Int { switch self { case .layer(let i), .fused(let i): i } }
        var last: Int { switch self { case .layer(let i): i; case .fused(let i): i + 1 } }
    }

    let stages: [Stage]
    /// Layers below this index need no input gradient: nothing trainable lies below them.
    let firstTrainableLayer: Int
    /// Whether the loss reads the last layer's logits (`Layer.logits`) instead of the model output, because
    /// the loss follows that layer's softmax/sigmoid (see `LogitsAwareLoss`).
    let lossReadsLogits: Bool

    /// Every layer alone: predict and evaluate store each layer's output.
    static func inference(layerCount: Int) -> Plan {
        Plan(stages: (0..<layerCount).map { .layer($0) }, firstTrainableLayer: layerCount, lossReadsLogits: false)
    }

    /// The training plan for `layers` and `loss`: the lowest trainable layer may run fused with the layer
    /// after it (a fused backward computes no input gradient, which only that layer can do without), and the
    /// loss reads logits when the last layer exposes them for the activation the loss follows.
    static func training(_ layers: [Layer], loss: any Loss) -> Plan {
        let first = layers.firstIndex { l in l.parameters.contains { $0.trainable } } ?? layers.count
        var stages: [Stage] = []
        var i = 0
        while i < layers.count {
            if i == first, i + 1 < layers.count, layers[i].fuses(with: layers[i + 1]) {
                stages.append(.fused(i))
                i += 2
            } else {
                stages.append(.layer(i))
                i += 1
            }
        }
        var logits = false
        if let l = loss as? any LogitsAwareLoss, let act = l.fusedActivation, let last = layers.last {
            logits = last.exposesLogits(for: act)
        }
        return Plan(stages: stages, firstTrainableLayer: first, lossReadsLogits: logits)
    }

    /// Whether some stage runs two layers as one (tests and the benchmark report it).
    var hasFusedStage: Bool { stages.contains { if case .fused = $0 { true } else { false } } }
}
