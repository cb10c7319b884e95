/// The buffers of one pass through a model: each layer's state plus the batch input, targets and loss
/// scratch. Sized for the largest batch seen and then reused, so steady-state batches allocate nothing.
final class Executor: @unchecked Sendable {
    var states: [LayerState]
    let input = Tensor(shape: [0])
    /// The input as a view of the caller's rows (`Tensor.view`), for layers that only read their input.
    let inputView = Tensor(shape: [0])
    let target = Tensor(shape: [0])
    /// Per output row: w_r / rows, the factor `Loss.gradient` applies (Keras's sum_over_batch_size).
    let rowScale = Tensor(shape: [0])
    /// Per output row: the sample weight (1 without weights).
    let rowWeight = Tensor(shape: [0])
    let perRow = Tensor(shape: [0])
    /// dLoss/dOutput, or dLoss/dLogits on the fused path.
    let lossGrad = Tensor(shape: [0])
    /// The Keras mask the model's output carried in the last forward pass ([batch] + mask shape), or nil.
    private(set) var outputMask: Tensor?
    /// Per output row: the loss weight with the output mask applied (`lossWeights`).
    let maskedWeight = Tensor(shape: [0])

    init(layerCount: Int) { states = (0..<layerCount).map { _ in LayerState() } }

    /// One state per layer; a model whose layer list changed gets fresh ones.
    func ensureStates(layerCount: Int) {
        if states.count != layerCount { states = (0..<layerCount).map { _ in LayerState() } }
    }

    /// Runs the plan's stages on `input` (or `from`, e.g. `inputView`); returns the last output (the input
    /// itself for an empty model).
    func forward(_ layers: [Layer], _ plan: Plan, training: Bool, rng: inout SeededGenerator,
                 from first: Tensor? = nil) -> Tensor {
        var x = first ?? input
        let masks = plan.masks.sources
        for stage in plan.stages {
            for i in stage.first...stage.last { states[i].inputMask = masks[i].map { states[$0].mask } }
            switch stage {
            case .layer(let i):
                layers[i].forward(x, states[i], training: training, rng: &rng)
            case .fused(let i):
                layers[i].forwardFused(with: layers[i + 1], x, states[i], states[i + 1], training: training, rng: &rng)
            }
            x = states[stage.last].output
        }
        outputMask = plan.masks.output.map { states[$0].mask }
        return x
    }

    /// Starts an inference pass over many batches: layers may then keep their weights packed for the GEMM
    /// across the batches (weights cannot change during predict or evaluate; they may have changed before).
    func beginInference() { for s in states { s.invalidatePacked() } }

    /// The loss weight of each of `rows` output rows: the sample weight, times Keras 3's `apply_mask` when
    /// the output carries a mask: mask * rows / valid (0 when no row is valid), so that
    /// sum_over_batch_size averages over the unmasked rows only (keras/src/losses/loss.py).
    func lossWeights(rows: Int) -> UnsafePointer<Float> {
        guard let m = outputMask, m.count == rows else { return UnsafePointer(rowWeight.data) }
        var valid: Float = 0
        for r in 0..<rows where m.data[r] != 0 { valid += 1 }
        let scale = valid > 0 ? Float(rows) / valid : 0
        maskedWeight.resize(batch: rows, rest: [])
        for r in 0..<rows { maskedWeight.data[r] = m.data[r] != 0 ? rowWeight.data[r] * scale : 0 }
        return UnsafePointer(maskedWeight.data)
    }

    /// The input of layer `i` in the last forward pass.
    func inputOf(_ i: Int) -> Tensor { i == 0 ? input : states[i - 1].output }

    /// Copies samples `indices[range]` (or the range itself when `indices` is nil) of a row-major array
    /// with `width` floats per sample into `dest`, shaped [n] + `shape`.
    static func gather(_ src: UnsafePointer<Float>, width: Int, indices: [Int]?, range: Range<Int>,
                       into dest: Tensor, shape: [Int]) {
        dest.resize(batch: range.count, rest: shape)
        if let indices {
            for (k, i) in range.enumerated() { (dest.data + k * width).update(from: src + indices[i] * width, count: width) }
        } else {
            dest.data.update(from: src + range.lowerBound * width, count: range.count * width)
        }
    }
}

/// Executors for concurrent inference calls: each call borrows one and returns it, so parallel
/// `predict` calls never share buffers and a warm pool allocates nothing.
final class ExecutorPool: @unchecked Sendable {
    private let lock = Lock()
    private var free: [Executor] = []

    func withExecutor<T>(layerCount: Int, _ body: (Executor) throws -> T) rethrows -> T {
        let ex = lock.withLock { free.popLast() } ?? Executor(layerCount: layerCount)
        ex.ensureStates(layerCount: layerCount)
        defer { lock.withLock { free.append(ex) } }
        return try body(ex)
    }

    /// Drops cached executors (after the layer list changed).
    func clear() { lock.withLock { free.removeAll() } }
}
