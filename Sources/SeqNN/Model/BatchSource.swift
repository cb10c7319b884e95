/// Data that does not fit in memory: fit, evaluate and predict ask a source for one batch at a time, as Keras
/// does with a `PyDataset` / `keras.utils.Sequence` or a generator (trainers/data_adapters/).
///
/// The library owns the batch buffers (`maxRows` samples each, made once per call); `fill` writes the next
/// batch into them, so each batch is copied once and no more of the data set than one batch is ever held.
public struct BatchSource {
    /// Batches per pass (epoch), or nil: until `fill` returns 0 rows (a generator run until exhausted).
    public var steps: Int?
    /// The most samples one batch holds: the capacity of the buffers `fill` receives.
    public var maxRows: Int
    /// true: `fill`'s index picks a batch (a PyDataset's `__getitem__`), so fit with shuffle visits the
    /// `steps` batches in a new order each epoch, as Keras 3's PyDatasetAdapter does; false: a stream (a
    /// generator), whose index counts the batches of the pass and which is never shuffled.
    public var indexable: Bool
    /// true: each batch also fills one sample weight per sample.
    public var hasSampleWeight: Bool
    /// Writes batch `index` into x (rows * input size floats), y (rows * `yWidth` floats, the target floats
    /// per sample the loss expects; nil for predict) and sample weights (nil unless `hasSampleWeight`), and
    /// returns its rows: 1...maxRows, or 0 when there is no more data. A thrown error stops the call.
    public var fill: (_ index: Int, _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>?, _ yWidth: Int,
                      _ sampleWeight: UnsafeMutablePointer<Float>?) throws -> Int
    /// Called at the end of each pass over the source (Keras's `PyDataset.on_epoch_end`), or nil.
    public var endPass: (() throws -> Void)?

    public init(steps: Int?, maxRows: Int, indexable: Bool, hasSampleWeight: Bool = false,
                fill: @escaping (Int, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>?, Int, UnsafeMutablePointer<Float>?) throws -> Int,
                endPass: (() throws -> Void)? = nil) {
        self.steps = steps; self.maxRows = maxRows; self.indexable = indexable
        self.hasSampleWeight = hasSampleWeight; self.fill = fill; self.endPass = endPass
    }
}

/// One call's view of a source: its buffers and the checks each batch gets (size, finite values, labels),
/// with messages naming the batch index.
final class SourceReader {
    let source: BatchSource
    let what: String
    let inWidth: Int, outWidth: Int
    let x: Tensor, y: Tensor, w: Tensor
    /// The order of an indexable source's batches this pass (shuffled by fit), made once.
    var order: [Int]

    init(_ source: BatchSource, model: Sequential, outWidth: Int, what: String) throws {
        guard source.maxRows > 0 else { throw SeqNNError.invalid("\(what): the batch source's max_rows must be positive, found \(source.maxRows)") }
        if let s = source.steps, s < 0 { throw SeqNNError.invalid("\(what): the batch source's steps must be >= 0, found \(s)") }
        if source.indexable, source.steps == nil {
            throw SeqNNError.invalid("\(what): an indexable batch source needs its number of batches (steps)")
        }
        let inWidth = model.inputSize!
        guard source.maxRows <= Tensor.maxElements / max(inWidth, outWidth, 1) else {
            throw SeqNNError.invalid("\(what): the batch source's max_rows \(source.maxRows) makes a batch larger than \(Tensor.maxElements) values")
        }
        self.source = source; self.what = what; self.inWidth = inWidth; self.outWidth = outWidth
        x = Tensor(shape: [source.maxRows * inWidth])
        y = Tensor(shape: [outWidth > 0 ? source.maxRows * outWidth : 0])
        w = Tensor(shape: [source.hasSampleWeight ? source.maxRows : 0])
        order = Array(0..<(source.indexable ? source.steps! : 0))
    }

    /// Batch `step` of this pass (through `order` when indexable): fills the buffers and returns its rows, 0
    /// at the end of the data. Throws, naming the batch, for a bad size, NaN/Inf or bad labels.
    func read(step: Int, model m: Sequential, compiled c: Compiled?, trueColumns: Int) throws -> Int {
        let index = source.indexable ? order[step] : step
        let rows: Int
        do {
            rows = try source.fill(index, x.data, outWidth > 0 ? y.data : nil, outWidth, source.hasSampleWeight ? w.data : nil)
        } catch let e as SeqNNError { throw e } catch {
            throw SeqNNError(.stopped, "\(what): the batch source failed at batch \(index): \(error)")
        }
        guard rows >= 0, rows <= source.maxRows else {
            throw SeqNNError.shape("\(what): batch \(index) has \(rows) rows; the batch source holds 0...\(source.maxRows) (its max_rows)")
        }
        guard rows > 0 else { return 0 }
        let xs = UnsafeBufferPointer(start: x.data, count: rows * inWidth)
        if let bad = firstNonFinite(xs) {
            throw SeqNNError(.numeric, "\(what): batch \(index): x holds \(xs[bad]) at row \(bad / inWidth), position \(bad % inWidth); inputs must be finite")
        }
        if let first = m.layers.first, let msg = first.invalidInputMessage(x.data, count: rows * inWidth) {
            throw SeqNNError.invalid("\(what): batch \(index): \(msg)")
        }
        if m.hasStatefulLayers, rows != m.batchSize {
            throw SeqNNError.shape("\(what): batch \(index) has \(rows) rows; the model's stateful layers need batches of exactly \(m.batchSize.map(String.init) ?? "a fixed size")")
        }
        if source.hasSampleWeight {
            for i in 0..<rows where !(w.data[i].isFinite && w.data[i] >= 0) {
                throw SeqNNError(.numeric, "\(what): batch \(index): sample_weight[\(i)] = \(w.data[i]) must be finite and non-negative")
            }
        }
        guard outWidth > 0, let c else { return rows }
        let ys = UnsafeBufferPointer(start: y.data, count: rows * outWidth)
        if let bad = firstNonFinite(ys) {
            throw SeqNNError(.numeric, "\(what): batch \(index): y holds \(ys[bad]) at row \(bad / outWidth); targets must be finite")
        }
        let cols = m.outputShape!.last!
        if let msg = c.effectiveLoss.validateTargets(y.data, rows: rows * (m.outputSize! / cols), cols: cols) {
            throw SeqNNError.invalid("\(what): batch \(index): \(msg)")
        }
        return rows
    }

    /// The end of a pass: Keras calls the data set's on_epoch_end.
    func endPass() throws {
        guard let f = source.endPass else { return }
        do { try f() } catch let e as SeqNNError { throw e } catch {
            throw SeqNNError(.stopped, "\(what): the batch source's end of pass failed: \(error)")
        }
    }

    /// Puts the batch just read into the executor: views of the buffers (no copy) and the row weights.
    func load(into ex: Executor, rows: Int, model m: Sequential, targetShape: [Int], rowsPerSample: Int) {
        ex.input.view(x.data, batch: rows, rest: m.inputShape!)
        guard outWidth > 0 else { return }
        ex.target.view(y.data, batch: rows, rest: targetShape)
        ex.rowWeight.resize(batch: rows * rowsPerSample, rest: [])
        guard source.hasSampleWeight else { ex.rowWeight.fill(1); return }
        for i in 0..<rows { for r in 0..<rowsPerSample { ex.rowWeight.data[i * rowsPerSample + r] = w.data[i] } }
    }
}

extension Sequential {
    /// The target floats per sample and the true columns the compiled loss expects.
    func targetWidth(_ c: Compiled) -> (outWidth: Int, trueColumns: Int) {
        let cols = outputShape!.last!
        let trueCols = c.effectiveLoss.trueColumns(predColumns: cols)
        return (outputSize! / cols * trueCols, trueCols)
    }

    /// Keras's `fit` on a batch source (a PyDataset or a generator): `options.batchSize`, `sampleWeight`,
    /// `classWeight` and `validationSplit` do not apply (the source makes the batches); validation comes from
    /// `validationData` or `validationSource`. An epoch runs `source.steps` batches, or until the source
    /// returns no rows; an epoch that gets no batch at all ends training (Keras: "Your input ran out of data;
    /// interrupting training"), and a source without any batch is an error.
    @discardableResult
    public func fit(source: BatchSource, options o: FitOptions = FitOptions()) throws -> History {
        try access.exclusive("fit") { try withFlushedDenormals { try fitSourceUnlocked(source, o) } }
    }

    func fitSourceUnlocked(_ source: BatchSource, _ o: FitOptions) throws -> History {
        try requireBuilt("fit")
        guard let c = compiled else { throw SeqNNError(.notCompiled, "fit: the model is not compiled; call compile(optimizer, loss, metrics) first") }
        guard o.epochs >= 0, o.initialEpoch >= 0 else { throw SeqNNError.invalid("fit: epochs and initial_epoch must be non-negative") }
        guard o.sampleWeight == nil, o.classWeight == nil, o.validationSplit == 0 else {
            throw SeqNNError.invalid("fit: sample_weight, class_weight and validation_split do not apply to a batch source; its batches carry their sample weights")
        }
        let (outWidth, trueCols) = targetWidth(c)
        let reader = try SourceReader(source, model: self, outWidth: outWidth, what: "fit")
        let validation = try validationSet(c, o, batch: o.batchSize ?? batchSize ?? 32, trueColumns: trueCols)
        let (trainMetrics, valMetrics) = try c.metrics(trueColumns: trueCols, predColumns: outputShape!.last!, custom: customMetrics)
        let hooks = BatchHooks.make(o.onBatch, valueCount: 1 + trainMetrics.count, what: "fit")
        let history = History()
        self.history = history
        let targetShape = [outWidth], rowsPerSample = outWidth / trueCols
        let ex = trainingExecutor
        ex.ensureStates(layerCount: layers.count)
        var anyBatch = false
        epochs: for epoch in o.initialEpoch..<max(o.epochs, o.initialEpoch) {
            if o.verbose == 1 { o.log?(Progbar.epochHeader(epoch, of: o.epochs)) }
            var bar = Progbar(target: source.steps ?? 0, verbose: o.log == nil ? 0 : o.verbose, sink: o.log ?? { _ in })
            if o.shuffle && source.indexable {
                for i in reader.order.indices { reader.order[i] = i }   // as fit on arrays: a fresh permutation
                rng.shuffle(&reader.order)
            }
            for m in trainMetrics { m.reset() }
            var lossSum = 0.0, seen = 0, step = 0, stop = false
            while source.steps.map({ step < $0 }) ?? true {
                stop = try hooks?.begin(.train, step) == true
                let rows = try reader.read(step: step, model: self, compiled: c, trueColumns: trueCols)
                if rows == 0 { break }
                reader.load(into: ex, rows: rows, model: self, targetShape: targetShape, rowsPerSample: rowsPerSample)
                let loss = try stepOnLoadedBatch(c, ex, trueColumns: trueCols, metrics: trainMetrics)
                lossSum += loss * Double(rows)
                seen += rows
                if try hooks?.end(.train, step, loss: lossSum / Double(seen), metrics: trainMetrics) == true { stop = true }
                step += 1
                bar.update(step, epochLogs(lossSum / Double(seen), trainMetrics), final: false)
                if stop { break }
            }
            try reader.endPass()
            if step == 0 {   // out of data: Keras interrupts training; a source that never had any is an error
                guard anyBatch else { throw SeqNNError.invalid("fit: the batch source yielded no batch; it must yield at least one") }
                break epochs
            }
            anyBatch = true
            var logs = epochLogs(lossSum / Double(seen), trainMetrics)
            if let validation {
                let (vl, vm) = try validate(c, validation, metrics: valMetrics, hooks: o.onBatch)
                logs.append(("val_loss", vl))
                logs.append(contentsOf: vm.map { ("val_" + $0.0, $0.1) })
            }
            bar.update(step, logs, final: true)
            if try finishEpoch(epoch, logs, history, o) || stop { break }
        }
        return history
    }

    /// Keras's `evaluate` on a batch source: [loss, metrics...], the loss weighted by each batch's rows and
    /// sample weights, over `source.steps` batches or until the source runs out.
    public func evaluate(source: BatchSource, onBatch: BatchHook? = nil) throws -> [Double] {
        try access.exclusive("evaluate") {
            try requireBuilt("evaluate")
            guard let c = compiled else { throw SeqNNError(.notCompiled, "evaluate: the model is not compiled; call compile first") }
            let (outWidth, trueCols) = targetWidth(c)
            let reader = try SourceReader(source, model: self, outWidth: outWidth, what: "evaluate")
            let (_, metrics) = try c.metrics(trueColumns: trueCols, predColumns: outputShape!.last!, custom: customMetrics)
            let (loss, values) = try withFlushedDenormals {
                try validate(c, .source(reader, trueColumns: trueCols), metrics: metrics, hooks: onBatch, what: "evaluate")
            }
            return [loss] + values.map(\.1)
        }
    }

    /// Keras's `predict` on a batch source: each batch's outputs go to `onBatch` (predict, end) and, when
    /// `out` is given, one after another into it. Returns the number of samples predicted. Fails with
    /// `.bufferTooSmall` at the first batch that does not fit into `out`.
    @discardableResult
    public func predict(source: BatchSource, into out: UnsafeMutableBufferPointer<Float>?, onBatch: BatchHook? = nil) throws -> Int {
        try access.shared("predict") {
            try requireBuiltForReading("predict")
            let reader = try SourceReader(source, model: self, outWidth: 0, what: "predict")
            let width = outputSize!
            let hooks = BatchHooks.make(onBatch, valueCount: 1, what: "predict")
            var rng = SeededGenerator(seed: 0)   // inference draws nothing; Dropout is the identity
            var samples = 0
            try withFlushedDenormals { try withStatefulStreams("predict") { try inferencePool.withExecutor(layerCount: layers.count) { ex in
                ex.beginInference()
                var step = 0
                while source.steps.map({ step < $0 }) ?? true {
                    var stop = try hooks?.begin(.predict, step) == true
                    let rows = try reader.read(step: step, model: self, compiled: nil, trueColumns: 0)
                    if rows == 0 { break }
                    reader.load(into: ex, rows: rows, model: self, targetShape: [], rowsPerSample: 1)
                    let y = ex.forward(layers, inferencePlan, training: false, rng: &rng)
                    if let out {
                        guard out.count >= (samples + rows) * width else {
                            throw SeqNNError(.bufferTooSmall, "predict: the output buffer holds \(out.count) values; batch \(step) needs \((samples + rows) * width) in all")
                        }
                        (out.baseAddress! + samples * width).update(from: y.data, count: rows * width)
                    }
                    samples += rows
                    if try hooks?.endPredict(step, outputs: UnsafeBufferPointer(start: y.data, count: rows * width)) == true { stop = true }
                    step += 1
                    if stop { break }
                }
                try reader.endPass()
                guard step > 0 else { throw SeqNNError.invalid("predict: the batch source yielded no batch; it must yield at least one") }
            } } }
            return samples
        }
    }
}
