import CSeqNNKernels

/// Keras's `fit` arguments. Data arrays are row-major float32, `samples` rows of the model's input size
/// (x) and of the target size (y: the output size, or one label per output row for sparse losses).
public struct FitOptions {
    public var epochs = 1
    /// Samples per batch; nil means the model's fixed batch size, else 32 (Keras's default).
    public var batchSize: Int?
    public var shuffle = true
    /// 0 silent, 1 progress bar, 2 one line per epoch.
    public var verbose = 1
    /// The fraction of samples, taken from the end before any shuffling, held out for validation.
    public var validationSplit = 0.0
    public var validationData: (x: UnsafeBufferPointer<Float>, y: UnsafeBufferPointer<Float>)?
    public var initialEpoch = 0
    /// One weight per sample, or nil.
    public var sampleWeight: UnsafeBufferPointer<Float>?
    /// Weight per class index (argmax of a one-hot target, or the sparse label).
    public var classWeight: [Int: Float]?
    /// Where progress text goes; nothing is printed without one.
    public var log: ((String) -> Void)?
    /// Called after each epoch with its logs; return true to stop training (Keras's `stop_training`).
    public var onEpochEnd: ((Int, [(String, Double)]) throws -> Bool)?
    /// Called before and after each training batch, and each validation batch (BatchCallbacks.swift); nil
    /// costs nothing per batch.
    public var onBatch: BatchHook?
    /// Validation data from a batch source (a PyDataset or a generator; `steps` is Keras's validation_steps);
    /// used when `validationData` is nil.
    public var validationSource: BatchSource?

    public init() {}
}

/// A data set the model has checked: sizes agree and every value is finite.
/// The index of the first NaN or infinity in `x`, found at memory speed (CSeqNNKernels/finite.c).
func firstNonFinite(_ x: UnsafeBufferPointer<Float>) -> Int? {
    guard let base = x.baseAddress else { return nil }
    let i = SeqNNKernels_first_nonfinite(base, x.count)
    return i < 0 ? nil : i
}

/// Throws `.numeric` naming the first NaN or infinity in `x`, rows of `width` values from sample `firstSample`.
func checkFinite(_ x: UnsafeBufferPointer<Float>, what: String, firstSample: Int, width: Int) throws {
    guard let bad = firstNonFinite(x) else { return }
    throw SeqNNError(.numeric, "\(what): x holds \(x[bad]) at sample \(firstSample + bad / width), position \(bad % width); inputs must be finite")
}

struct CheckedData {
    let x: UnsafeBufferPointer<Float>
    let y: UnsafeBufferPointer<Float>
    let samples: Int
    let inWidth: Int
    /// Target floats per sample and per output row.
    let outWidth: Int
    let trueColumns: Int
    /// `[outWidth]`, kept so batches do not build a new shape array each time.
    var targetShape: [Int] { _targetShape }
    private let _targetShape: [Int]

    init(x: UnsafeBufferPointer<Float>, y: UnsafeBufferPointer<Float>, samples: Int, inWidth: Int, outWidth: Int, trueColumns: Int) {
        self.x = x; self.y = y; self.samples = samples; self.inWidth = inWidth
        self.outWidth = outWidth; self.trueColumns = trueColumns
        _targetShape = [outWidth]
    }
}

extension Sequential {
    /// Checks x and y against the model: whole samples, the target width the loss expects, finite values.
    /// `finite: false` leaves x's NaN/Inf check to the caller (`checkFinite`, batch by batch).
    func checkData(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>?, _ c: Compiled?, what: String,
                   finite: Bool = true) throws -> CheckedData {
        let inWidth = inputSize!
        guard x.count > 0, x.count % inWidth == 0 else {
            throw SeqNNError.shape("\(what): x has \(x.count) values, which is not a whole number of samples of input shape \(describeShape(inputShape!)) (\(inWidth) values each)")
        }
        let samples = x.count / inWidth
        if finite { try checkFinite(x, what: what, firstSample: 0, width: inWidth) }
        guard let y, let c else { return CheckedData(x: x, y: UnsafeBufferPointer(start: nil, count: 0), samples: samples, inWidth: inWidth, outWidth: 0, trueColumns: 0) }
        let cols = outputShape!.last!
        let rowsPerSample = outputSize! / cols
        let trueCols = c.effectiveLoss.trueColumns(predColumns: cols)
        let outWidth = rowsPerSample * trueCols
        guard y.count == samples * outWidth else {
            var hint = ""
            if trueCols > 1, y.count == samples * rowsPerSample {
                hint = "; y looks like class labels: use sparse_categorical_crossentropy, or one-hot encode it with to_categorical"
            } else if trueCols == 1, y.count == samples * rowsPerSample * cols {
                hint = "; y looks one-hot: use categorical_crossentropy"
            }
            throw SeqNNError.shape("\(what): y has \(y.count) values for \(samples) samples; the loss \(c.loss.name) expects \(outWidth) per sample (\(samples * outWidth) in all) for output shape \(describeShape(outputShape!))\(hint)")
        }
        if let bad = firstNonFinite(y) {
            throw SeqNNError(.numeric, "\(what): y holds \(y[bad]) at sample \(bad / outWidth); targets must be finite")
        }
        if let msg = c.effectiveLoss.validateTargets(y.baseAddress!, rows: samples * rowsPerSample, cols: cols) {
            throw SeqNNError.invalid("\(what): \(msg)")
        }
        return CheckedData(x: x, y: y, samples: samples, inWidth: inWidth, outWidth: outWidth, trueColumns: trueCols)
    }

    /// Keras's `fit`. Returns the History (also kept as `history`). Training stops early, without error,
    /// when `onEpochEnd` returns true; errors thrown by callbacks or custom metrics stop it with `.stopped`.
    @discardableResult
    public func fit(x: UnsafeBufferPointer<Float>, y: UnsafeBufferPointer<Float>, options o: FitOptions = FitOptions()) throws -> History {
        try access.exclusive("fit") { try withFlushedDenormals { try fitUnlocked(x: x, y: y, options: o) } }
    }

    @discardableResult
    public func fit(x: [Float], y: [Float], options: FitOptions = FitOptions()) throws -> History {
        try x.withUnsafeBufferPointer { xb in try y.withUnsafeBufferPointer { yb in try fit(x: xb, y: yb, options: options) } }
    }

    func fitUnlocked(x: UnsafeBufferPointer<Float>, y: UnsafeBufferPointer<Float>, options o: FitOptions) throws -> History {
        try requireBuilt("fit")
        guard let c = compiled else { throw SeqNNError(.notCompiled, "fit: the model is not compiled; call compile(optimizer, loss, metrics) first") }
        let batch = o.batchSize ?? batchSize ?? 32
        guard batch > 0 else { throw SeqNNError.invalid("fit: batch_size must be positive, found \(batch)") }
        guard o.epochs >= 0, o.initialEpoch >= 0 else { throw SeqNNError.invalid("fit: epochs and initial_epoch must be non-negative") }
        guard o.validationSplit >= 0, o.validationSplit < 1 else {
            throw SeqNNError.invalid("fit: validation_split must be in [0, 1), found \(o.validationSplit)")
        }
        let all = try checkData(x, y, c, what: "fit")
        let sampleWeights = try sampleWeights(o, all)
        // Keras: the validation split is the last fraction of the data, taken before shuffling.
        let trainCount = o.validationData == nil && o.validationSplit > 0 ? Int(Double(all.samples) * (1 - o.validationSplit)) : all.samples
        guard trainCount > 0 else { throw SeqNNError.invalid("fit: validation_split \(o.validationSplit) leaves no training samples out of \(all.samples)") }
        var val = try validationSet(c, o, batch: batch, trueColumns: all.trueColumns)
        if val == nil, trainCount < all.samples {
            val = .arrays(CheckedData(x: UnsafeBufferPointer(rebasing: x[(trainCount * all.inWidth)...]),
                                      y: UnsafeBufferPointer(rebasing: y[(trainCount * all.outWidth)...]),
                                      samples: all.samples - trainCount, inWidth: all.inWidth, outWidth: all.outWidth,
                                      trueColumns: all.trueColumns), batch: batch)
        }
        try checkSequenceData(x, samples: trainCount, batch: batch, what: "fit")
        if case .arrays(let v, _)? = val { try checkSequenceData(v.x, samples: v.samples, batch: batch, what: "fit (validation data)") }
        let (trainMetrics, valMetrics) = try c.metrics(trueColumns: all.trueColumns, predColumns: outputShape!.last!, custom: customMetrics)
        let hooks = BatchHooks.make(o.onBatch, valueCount: 1 + trainMetrics.count, what: "fit")
        let history = History()
        self.history = history
        let steps = trainCount / batch + (trainCount % batch == 0 ? 0 : 1)   // no overflow for huge batch sizes
        var order = Array(0..<trainCount)
        for epoch in o.initialEpoch..<max(o.epochs, o.initialEpoch) {
            if o.verbose == 1 { o.log?(Progbar.epochHeader(epoch, of: o.epochs)) }
            var bar = Progbar(target: steps, verbose: o.log == nil ? 0 : o.verbose, sink: o.log ?? { _ in })
            if o.shuffle {
                // A fresh permutation of 0..<n each epoch (not a shuffle of the last one), so an epoch's order
                // depends only on the generator state: a fit resumed from a saved model continues exactly.
                for i in order.indices { order[i] = i }
                rng.shuffle(&order)
            }
            for m in trainMetrics { m.reset() }
            var lossSum = 0.0, seen = trainCount, stop = false
            for s in 0..<steps {
                // Keras 3: on_train_batch_begin(step), the step, on_train_batch_end(step, running logs); a
                // stop asked for in either takes effect after the batch (fit checks stop_training there).
                if try hooks?.begin(.train, s) == true { stop = true }
                let range = (s * batch)..<min(trainCount, (s + 1) * batch)
                let loss = try trainStep(c, all, indices: o.shuffle ? order : nil, range: range, weights: sampleWeights, metrics: trainMetrics)
                lossSum += loss * Double(range.count)
                if try hooks?.end(.train, s, loss: lossSum / Double(range.upperBound), metrics: trainMetrics) == true { stop = true }
                bar.update(s + 1, epochLogs(lossSum / Double(range.upperBound), trainMetrics), final: false)
                if stop { seen = range.upperBound; break }
            }
            var logs = epochLogs(lossSum / Double(seen), trainMetrics)
            if let val {   // Keras validates even after a stop asked for in a batch callback
                let (vl, vm) = try validate(c, val, metrics: valMetrics, hooks: o.onBatch)
                logs.append(("val_loss", vl))
                logs.append(contentsOf: vm.map { ("val_" + $0.0, $0.1) })
            }
            bar.update(steps, logs, final: true)
            if try finishEpoch(epoch, logs, history, o) || stop { break }
        }
        return history
    }

    /// Records the epoch's logs and calls the epoch callback; true when training should stop.
    func finishEpoch(_ epoch: Int, _ logs: [(String, Double)], _ history: History, _ o: FitOptions) throws -> Bool {
        history.record(epoch: epoch, logs: logs)
        do { return try o.onEpochEnd?(epoch, logs) ?? false } catch let e as SeqNNError { throw e } catch {
            throw SeqNNError(.stopped, "fit: the epoch callback failed at epoch \(epoch + 1): \(error)")
        }
    }

    func epochLogs(_ loss: Double, _ metrics: [Metric]) -> [(String, Double)] {
        [("loss", loss)] + metrics.map { ($0.name, $0.result) }
    }

    /// Per-sample weights from sample_weight and class_weight (multiplied when both are given), or nil.
    func sampleWeights(_ o: FitOptions, _ d: CheckedData) throws -> [Float]? {
        guard o.sampleWeight != nil || o.classWeight != nil else { return nil }
        var w = [Float](repeating: 1, count: d.samples)
        if let sw = o.sampleWeight {
            guard sw.count == d.samples else {
                throw SeqNNError.shape("fit: sample_weight has \(sw.count) values for \(d.samples) samples")
            }
            for i in 0..<d.samples {
                guard sw[i].isFinite, sw[i] >= 0 else { throw SeqNNError(.numeric, "fit: sample_weight[\(i)] = \(sw[i]) must be finite and non-negative") }
                w[i] = sw[i]
            }
        }
        if let cw = o.classWeight {
            for i in 0..<d.samples {
                let t = d.y.baseAddress! + i * d.outWidth
                let cls: Int
                if d.trueColumns == 1 {
                    // Keras rounds a one-column target to its class (np.round / tf.round: half to even).
                    let v = t[0].rounded(.toNearestOrEven)
                    guard abs(v) < 1e9 else {
                        throw SeqNNError.invalid("fit: class_weight needs class labels in y; found \(t[0]) at sample \(i)")
                    }
                    cls = Int(v)
                } else {
                    cls = argmax(t, d.trueColumns)
                }
                w[i] *= cw[cls] ?? 1
            }
        }
        return w
    }

    /// One training step on samples `range` (through `indices` when shuffled); returns the batch loss.
    func trainStep(_ c: Compiled, _ d: CheckedData, indices: [Int]?, range: Range<Int>, weights: [Float]?, metrics: [Metric]) throws -> Double {
        let ex = trainingExecutor
        ex.ensureStates(layerCount: layers.count)
        Executor.gather(d.x.baseAddress!, width: d.inWidth, indices: indices, range: range, into: ex.input, shape: inputShape!)
        Executor.gather(d.y.baseAddress!, width: d.outWidth, indices: indices, range: range, into: ex.target, shape: d.targetShape)
        setRowWeights(ex, weights: weights, indices: indices, range: range, rowsPerSample: d.outWidth / d.trueColumns)
        return try stepOnLoadedBatch(c, ex, trueColumns: d.trueColumns, metrics: metrics)
    }

    /// The step on the batch already in `ex` (input, target, row weights): gradients, update; the batch loss.
    func stepOnLoadedBatch(_ c: Compiled, _ ex: Executor, trueColumns: Int, metrics: [Metric]) throws -> Double {
        for p in c.trainable { if p.overwritesGrad { p.gradIsStale = true } else { p.grad.fill(0) } }
        let out = ex.forward(layers, c.plan, training: true, rng: &rng)
        try updateMetrics(metrics, ex, out, trueColumns: trueColumns)
        var loss = computeLoss(c, ex, out, trueColumns: trueColumns, gradient: true)
        backward(c, ex)
        loss += applyRegularization(c)
        c.optimizer.apply(c.trainable)
        return loss
    }

    /// Row weights for the batch: each output row takes its sample's weight (1 without weights).
    func setRowWeights(_ ex: Executor, weights: [Float]?, indices: [Int]?, range: Range<Int>, rowsPerSample: Int) {
        ex.rowWeight.resize(batch: range.count * rowsPerSample, rest: [])
        guard let weights else { ex.rowWeight.fill(1); return }
        for (k, i) in range.enumerated() {
            let w = weights[indices?[i] ?? i]
            for r in 0..<rowsPerSample { ex.rowWeight.data[k * rowsPerSample + r] = w }
        }
    }

    func updateMetrics(_ metrics: [Metric], _ ex: Executor, _ out: Tensor, trueColumns: Int) throws {
        let cols = out.shape.last ?? 1
        for m in metrics {
            do {
                try m.update(yTrue: ex.target.data, trueCols: trueColumns, yPred: out.data, cols: cols, rows: out.count / cols,
                             mask: ex.outputMask)
            } catch let e as SeqNNError { throw e } catch {
                throw SeqNNError(.stopped, "metric '\(m.name)' failed: \(error)")
            }
        }
    }

    /// The batch loss, sum(w_r loss_r) / rows (Keras's sum_over_batch_size), read from the last layer's
    /// logits when the plan says so; with `gradient`, writes dLoss/dPrediction into `ex.lossGrad`.
    func computeLoss(_ c: Compiled, _ ex: Executor, _ out: Tensor, trueColumns: Int, gradient: Bool) -> Double {
        let last = layers.count - 1
        let pred = c.plan.lossReadsLogits ? layers[last].logits(ex.inputOf(last), ex.states[last]) : out
        let cols = pred.shape.last ?? 1
        let rows = pred.count / cols
        ex.perRow.resize(batch: rows, rest: [])
        c.effectiveLoss.perRow(yTrue: ex.target.data, yPred: pred.data, rows: rows, cols: cols, out: ex.perRow.data)
        let w = ex.lossWeights(rows: rows)   // the sample weights, with the output's Keras mask applied
        var total = 0.0
        for r in 0..<rows { total += Double(w[r]) * Double(ex.perRow.data[r]) }
        if gradient {
            ex.rowScale.resize(batch: rows, rest: [])
            for r in 0..<rows { ex.rowScale.data[r] = w[r] / Float(rows) }
            ex.lossGrad.resize(pred.shape)
            c.effectiveLoss.gradient(yTrue: ex.target.data, yPred: pred.data, rows: rows, cols: cols,
                                     scale: ex.rowScale.data, grad: ex.lossGrad.data)
        }
        return total / Double(rows)
    }

    /// Backpropagates `ex.lossGrad` through the plan's stages, down to the lowest trainable layer.
    func backward(_ c: Compiled, _ ex: Executor) {
        let plan = c.plan, low = plan.firstTrainableLayer
        var dy = ex.lossGrad
        var s = plan.stages.count - 1
        if plan.lossReadsLogits, s >= 0, case .layer(let i) = plan.stages[s] {
            dy = layers[i].backwardFromLogits(ex.inputOf(i), dy, ex.states[i], needInputGrad: i > low)
            s -= 1
        }
        while s >= 0, plan.stages[s].first >= low {
            switch plan.stages[s] {
            case .layer(let i):
                layers[i].backward(ex.inputOf(i), dy, ex.states[i], needInputGrad: i > low)
                dy = ex.states[i].gradInput
            case .fused(let i):   // only ever the lowest trainable layer: no input gradient
                layers[i].backwardFused(with: layers[i + 1], ex.inputOf(i), dy, ex.states[i], ex.states[i + 1])
            }
            s -= 1
        }
    }

    /// Adds the weight penalties' gradients and returns their value (Keras adds them to the loss).
    func applyRegularization(_ c: Compiled) -> Double {
        var penalty = 0.0
        for p in c.regularized {
            penalty += p.regularizer!.penalty(p.value)
            if p.trainable { p.regularizer!.accumulateGradient(p.value, into: p.grad) }
        }
        return penalty
    }

    func regularizationPenalty(_ c: Compiled) -> Double {
        c.regularized.reduce(0.0) { $0 + $1.regularizer!.penalty($1.value) }
    }

    /// Keras's `train_on_batch`: one step on exactly these samples, returning [loss] + metrics for this batch.
    public func trainOnBatch(x: UnsafeBufferPointer<Float>, y: UnsafeBufferPointer<Float>, sampleWeight: UnsafeBufferPointer<Float>? = nil) throws -> [Double] {
        try access.exclusive("train_on_batch") {
            try requireBuilt("train_on_batch")
            guard let c = compiled else { throw SeqNNError(.notCompiled, "train_on_batch: the model is not compiled; call compile first") }
            let d = try checkData(x, y, c, what: "train_on_batch")
            try checkSequenceData(d.x, samples: d.samples, batch: d.samples, what: "train_on_batch")
            var opts = FitOptions()
            opts.sampleWeight = sampleWeight
            let w = try sampleWeights(opts, d)
            let (metrics, _) = try c.metrics(trueColumns: d.trueColumns, predColumns: outputShape!.last!, custom: customMetrics)
            for m in metrics { m.reset() }
            let loss = try withFlushedDenormals { try trainStep(c, d, indices: nil, range: 0..<d.samples, weights: w, metrics: metrics) }
            return [loss] + metrics.map(\.result)
        }
    }

    public func trainOnBatch(x: [Float], y: [Float]) throws -> [Double] {
        try x.withUnsafeBufferPointer { xb in try y.withUnsafeBufferPointer { yb in try trainOnBatch(x: xb, y: yb) } }
    }
}
