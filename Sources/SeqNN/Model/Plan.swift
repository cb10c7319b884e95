/// How a model runs its layers: an immutable list of stages, each one layer or a fused group, fixed by
/// `compile` (training) or per call (inference). One fusion pass builds it by asking the layers what they
/// support (`Layer.fuses(with:)`, `Layer.exposesLogits(for:)`, `Layer.maskOutput(inputMask:)`); the model
/// loop only walks the stages and never tests layer types.
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
    /// Where Keras masks flow (`MaskFlow`): per layer, whose `LayerState.mask` reaches its input.
    let masks: MaskFlow

    /// Every layer alone: predict and evaluate store each layer's output.
    static func inference(_ layers: [Layer]) -> Plan {
        Plan(stages: layers.indices.map { .layer($0) }, firstTrainableLayer: layers.count, lossReadsLogits: false,
             masks: MaskFlow.of(layers))
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
        return Plan(stages: stages, firstTrainableLayer: first, lossReadsLogits: logits, masks: MaskFlow.of(layers))
    }

    /// Whether some stage runs two layers as one (tests and the benchmark report it).
    var hasFusedStage: Bool { stages.contains { if case .fused = $0 { true } else { false } } }
}

/// How Keras masks travel through a model (Keras's `_keras_mask` on each output): made by a layer that
/// produces one (Masking, Embedding with mask_zero), passed along by the layers Keras passes it through,
/// read by the layers that use it (recurrent layers, GlobalAveragePooling1D), and dropped by the rest. Masks
/// live in the producing layer's `LayerState.mask` (a per-pass buffer); nothing is copied to pass one on.
struct MaskFlow: Sendable, Equatable {
    /// Per layer: the index of the layer whose state's `mask` reaches its input, or nil.
    let sources: [Int?]
    /// The layer whose mask the model's output carries (the loss and the metrics weight rows by it), or nil.
    let output: Int?
    /// The per-sample shape of that mask.
    let outputShape: [Int]?

    /// Asks each built layer what its output carries; throws the first layer's refusal (a mask it cannot
    /// take). Unbuilt layers end the walk (they are checked when they are built).
    static func checked(_ layers: [Layer]) throws -> MaskFlow {
        var sources: [Int?] = []
        var current: (source: Int, shape: [Int])?
        for (i, l) in layers.enumerated() {
            sources.append(current?.source)
            guard l.isBuilt else { current = nil; continue }
            switch try l.maskOutput(inputMask: current?.shape) {
            case .consumes: current = nil
            case .drops: current = nil; sources[i] = nil   // the layer is not handed the mask
            case .passes: break
            case .produces(let shape): current = (i, shape)
            }
        }
        return MaskFlow(sources: sources, output: current?.source, outputShape: current?.shape)
    }

    /// The flow of layers already checked when they were added (`Sequential.addUnlocked`).
    static func of(_ layers: [Layer]) -> MaskFlow {
        (try? checked(layers)) ?? MaskFlow(sources: layers.map { _ in nil }, output: nil, outputShape: nil)
    }
}
