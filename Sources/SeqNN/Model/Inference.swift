extension Sequential {
    /// Keras's `predict`: outputs for any number of samples, in batches of `batchSize` (32 by default),
    /// written into `out` (samples * outputSize floats). A built model predicts without being compiled.
    /// Safe to call from several threads at once, except on a model with stateful layers, where an overlapping
    /// call fails with `.busy` (each call continues the state of the last; see Sequential+States.swift).
    /// `onBatch` gets Keras's predict batch hooks (the end with the batch's outputs); returning true stops
    /// after that batch, leaving the rest of `out` unwritten.
    public func predict(x: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>, batchSize: Int? = nil,
                        onBatch: BatchHook? = nil) throws {
        try access.shared("predict") {
            try requireBuiltForReading("predict")
            // A first layer that only reads its input (Dense) gets the caller's rows in place, checked for
            // NaN/Inf batch by batch while they are cached for the product, instead of a copy and a scan of
            // the whole input first (6 % of a batch-256 predict). Without stateful layers a bad value found
            // midway changes nothing but `out`.
            let inPlace = layers.first?.readsInputInPlace == true && !hasStatefulLayers
            let d = try checkData(x, nil, nil, what: "predict", finite: !inPlace)
            let width = outputSize!
            guard out.count >= d.samples * width else {
                throw SeqNNError(.bufferTooSmall, "predict: the output buffer holds \(out.count) values; \(d.samples) samples need \(d.samples * width)")
            }
            let batch = batchSize ?? self.batchSize ?? 32
            guard batch > 0 else { throw SeqNNError.invalid("predict: batch_size must be positive, found \(batch)") }
            try checkSequenceData(d.x, samples: d.samples, batch: batch, what: "predict")
            var rng = SeededGenerator(seed: 0)   // inference draws nothing; Dropout is the identity
            let hooks = BatchHooks.make(onBatch, valueCount: 1, what: "predict")
            try withFlushedDenormals { try withStatefulStreams("predict") { try inferencePool.withExecutor(layerCount: layers.count) { ex in
                ex.beginInference()
                for start in stride(from: 0, to: d.samples, by: batch) {
                    let stop = try hooks?.begin(.predict, start / batch) == true
                    let range = start..<min(d.samples, start + batch)
                    let y: Tensor
                    if inPlace {
                        let rows = UnsafeBufferPointer(rebasing: x[start * d.inWidth..<range.upperBound * d.inWidth])
                        try checkFinite(rows, what: "predict", firstSample: start, width: d.inWidth)
                        ex.inputView.view(rows.baseAddress!, batch: range.count, rest: inputShape!)
                        y = ex.forward(layers, inferencePlan, training: false, rng: &rng, from: ex.inputView)
                    } else {
                        Executor.gather(x.baseAddress!, width: d.inWidth, indices: nil, range: range, into: ex.input, shape: inputShape!)
                        y = ex.forward(layers, inferencePlan, training: false, rng: &rng)
                    }
                    (out.baseAddress! + start * width).update(from: y.data, count: range.count * width)
                    if let hooks, try hooks.endPredict(start / batch, outputs: UnsafeBufferPointer(start: y.data, count: range.count * width)) || stop { break }
                }
            } } }
        }
    }

    public func predict(_ x: [Float], batchSize: Int? = nil) throws -> [Float] {
        guard let w = outputSize, let iw = inputSize else { try requireBuilt("predict"); return [] }
        var out = [Float](repeating: 0, count: x.count / max(iw, 1) * w)
        try x.withUnsafeBufferPointer { xb in try out.withUnsafeMutableBufferPointer { try predict(x: xb, into: $0, batchSize: batchSize) } }
        return out
    }

    /// The input shape must be known; read-only callers cannot build layers, so unbuilt layers are an error.
    func requireBuiltForReading(_ what: String) throws {
        guard !layers.isEmpty, inputShape != nil, layers.allSatisfy(\.isBuilt) else { try requireBuilt(what); return }
    }

    /// Keras's `evaluate`: [loss, metrics...] over the data, loss averaged per sample and metrics as in fit.
    public func evaluate(x: UnsafeBufferPointer<Float>, y: UnsafeBufferPointer<Float>, batchSize: Int? = nil,
                         onBatch: BatchHook? = nil) throws -> [Double] {
        // Evaluation updates metric accumulators and the training executor, so it takes exclusive access.
        try access.exclusive("evaluate") {
            try requireBuilt("evaluate")
            guard let c = compiled else { throw SeqNNError(.notCompiled, "evaluate: the model is not compiled; call compile first") }
            let d = try checkData(x, y, c, what: "evaluate")
            let batch = batchSize ?? self.batchSize ?? 32
            guard batch > 0 else { throw SeqNNError.invalid("evaluate: batch_size must be positive, found \(batch)") }
            try checkSequenceData(d.x, samples: d.samples, batch: batch, what: "evaluate")
            let (_, metrics) = try c.metrics(trueColumns: d.trueColumns, predColumns: outputShape!.last!, custom: customMetrics)
            let (loss, values) = try withFlushedDenormals { try validate(c, .arrays(d, batch: batch), metrics: metrics, hooks: onBatch, what: "evaluate") }
            return [loss] + values.map(\.1)
        }
    }

    public func evaluate(x: [Float], y: [Float], batchSize: Int? = nil) throws -> [Double] {
        try x.withUnsafeBufferPointer { xb in try y.withUnsafeBufferPointer { yb in try evaluate(x: xb, y: yb, batchSize: batchSize) } }
    }

    /// Loss (with weight penalties, as Keras's test step adds them) and metrics over checked data.
    func evaluateChecked(_ c: Compiled, _ d: CheckedData, batch: Int, metrics: [Metric], hooks: BatchHooks? = nil) throws -> (Double, [(String, Double)]) {
        let steps = d.samples / batch + (d.samples % batch == 0 ? 0 : 1)
        return try evaluateBatches(c, steps: steps, trueColumns: d.trueColumns, metrics: metrics, hooks: hooks) { ex, step in
            let start = step * batch
            let range = start..<min(d.samples, start + batch)
            Executor.gather(d.x.baseAddress!, width: d.inWidth, indices: nil, range: range, into: ex.input, shape: inputShape!)
            Executor.gather(d.y.baseAddress!, width: d.outWidth, indices: nil, range: range, into: ex.target, shape: d.targetShape)
            setRowWeights(ex, weights: nil, indices: nil, range: range, rowsPerSample: d.outWidth / d.trueColumns)
            return range.count
        }
    }

    /// The evaluation loop over `steps` batches (nil: until `load` returns 0 rows, after the begin hook of
    /// that batch, as Keras 3 does with a generator): `load` puts batch `step` into the executor and returns
    /// its rows. The loss is weighted by rows (Keras's loss tracker); the test hooks see the running values.
    func evaluateBatches(_ c: Compiled, steps: Int?, trueColumns: Int, metrics: [Metric], hooks: BatchHooks?,
                         load: (Executor, Int) throws -> Int) throws -> (Double, [(String, Double)]) {
        for m in metrics { m.reset() }
        let ex = trainingExecutor
        ex.ensureStates(layerCount: layers.count)
        ex.beginInference()
        var lossSum = 0.0, seen = 0, step = 0
        let penalty = regularizationPenalty(c)
        var scratch = SeededGenerator(seed: 0)
        while steps.map({ step < $0 }) ?? true {
            var stop = try hooks?.begin(.test, step) == true
            let rows = try load(ex, step)
            if rows == 0 { break }
            let out = ex.forward(layers, inferencePlan, training: false, rng: &scratch)
            try updateMetrics(metrics, ex, out, trueColumns: trueColumns)
            lossSum += (computeLoss(c, ex, out, trueColumns: trueColumns, gradient: false) + penalty) * Double(rows)
            seen += rows
            if try hooks?.end(.test, step, loss: lossSum / Double(seen), metrics: metrics) == true { stop = true }
            step += 1
            if stop { break }
        }
        return (lossSum / Double(max(seen, 1)), metrics.map { ($0.name, $0.result) })
    }

    /// Validation (or evaluate) data given to fit: checked arrays or a batch source.
    func validationSet(_ c: Compiled, _ o: FitOptions, batch: Int, trueColumns: Int) throws -> ValidationSet? {
        if let vd = o.validationData { return .arrays(try checkData(vd.x, vd.y, c, what: "fit (validation_data)"), batch: batch) }
        guard let vs = o.validationSource else { return nil }
        return .source(try SourceReader(vs, model: self, outWidth: targetWidth(c).outWidth, what: "fit (validation data)"), trueColumns: trueColumns)
    }

    /// Loss and metrics over validation data, calling the test batch hooks; one pass over a source ends
    /// with its end of pass (Keras's data set on_epoch_end), and a source without any batch is an error.
    func validate(_ c: Compiled, _ v: ValidationSet, metrics: [Metric], hooks hook: BatchHook?,
                  what: String = "fit") throws -> (Double, [(String, Double)]) {
        let hooks = BatchHooks.make(hook, valueCount: 1 + metrics.count, what: what)
        switch v {
        case .arrays(let d, let batch):
            return try evaluateChecked(c, d, batch: batch, metrics: metrics, hooks: hooks)
        case .source(let r, let trueColumns):
            let targetShape = [r.outWidth], rowsPerSample = r.outWidth / trueColumns
            var batches = 0
            let result = try evaluateBatches(c, steps: r.source.steps, trueColumns: trueColumns, metrics: metrics, hooks: hooks) { ex, step in
                let rows = try r.read(step: step, model: self, compiled: c, trueColumns: trueColumns)
                if rows > 0 { r.load(into: ex, rows: rows, model: self, targetShape: targetShape, rowsPerSample: rowsPerSample); batches += 1 }
                return rows
            }
            try r.endPass()
            guard batches > 0 else { throw SeqNNError.invalid("\(r.what): the batch source yielded no batch; it must yield at least one") }
            return result
        }
    }
}

/// Evaluation data: checked arrays in batches of `batch`, or a batch source.
enum ValidationSet {
    case arrays(CheckedData, batch: Int)
    case source(SourceReader, trueColumns: Int)
}
