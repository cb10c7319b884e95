extension Sequential {
    /// Keras's `predict`: outputs for any number of samples, in batches of `batchSize` (32 by default),
    /// written into `out` (samples * outputSize floats). A built model predicts without being compiled.
    /// Safe to call from several threads at once, except on a model with stateful layers, where an overlapping
    /// call fails with `.busy` (each call continues the state of the last; see Sequential+States.swift).
    public func predict(x: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>, batchSize: Int? = nil) throws {
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
            try withFlushedDenormals { try withStatefulStreams("predict") { try inferencePool.withExecutor(layerCount: layers.count) { ex in
                ex.beginInference()
                for start in stride(from: 0, to: d.samples, by: batch) {
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
    public func evaluate(x: UnsafeBufferPointer<Float>, y: UnsafeBufferPointer<Float>, batchSize: Int? = nil) throws -> [Double] {
        // Evaluation updates metric accumulators and the training executor, so it takes exclusive access.
        try access.exclusive("evaluate") {
            try requireBuilt("evaluate")
            guard let c = compiled else { throw SeqNNError(.notCompiled, "evaluate: the model is not compiled; call compile first") }
            let d = try checkData(x, y, c, what: "evaluate")
            let batch = batchSize ?? self.batchSize ?? 32
            guard batch > 0 else { throw SeqNNError.invalid("evaluate: batch_size must be positive, found \(batch)") }
            try checkSequenceData(d.x, samples: d.samples, batch: batch, what: "evaluate")
            let (_, metrics) = try c.metrics(trueColumns: d.trueColumns, predColumns: outputShape!.last!, custom: customMetrics)
            let (loss, values) = try withFlushedDenormals { try evaluateChecked(c, d, batch: batch, metrics: metrics) }
            return [loss] + values.map(\.1)
        }
    }

    public func evaluate(x: [Float], y: [Float], batchSize: Int? = nil) throws -> [Double] {
        try x.withUnsafeBufferPointer { xb in try y.withUnsafeBufferPointer { yb in try evaluate(x: xb, y: yb, batchSize: batchSize) } }
    }

    /// Loss (with weight penalties, as Keras's test step adds them) and metrics over checked data.
    func evaluateChecked(_ c: Compiled, _ d: CheckedData, batch: Int, metrics: [Metric]) throws -> (Double, [(String, Double)]) {
        for m in metrics { m.reset() }
        let ex = trainingExecutor
        ex.ensureStates(layerCount: layers.count)
        ex.beginInference()
        var lossSum = 0.0
        let penalty = regularizationPenalty(c)
        var scratch = SeededGenerator(seed: 0)
        for start in stride(from: 0, to: d.samples, by: batch) {
            let range = start..<min(d.samples, start + batch)
            Executor.gather(d.x.baseAddress!, width: d.inWidth, indices: nil, range: range, into: ex.input, shape: inputShape!)
            Executor.gather(d.y.baseAddress!, width: d.outWidth, indices: nil, range: range, into: ex.target, shape: d.targetShape)
            setRowWeights(ex, weights: nil, indices: nil, range: range, rowsPerSample: d.outWidth / d.trueColumns)
            let out = ex.forward(layers, inferencePlan, training: false, rng: &scratch)
            try updateMetrics(metrics, ex, out, trueColumns: d.trueColumns)
            lossSum += (computeLoss(c, ex, out, trueColumns: d.trueColumns, gradient: false) + penalty) * Double(range.count)
        }
        return (lossSum / Double(d.samples), metrics.map { ($0.name, $0.result) })
    }
}
