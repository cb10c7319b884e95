// Metrics: how "accuracy" resolves, each metric's value on hand-made batches, and epoch averaging
// (built-ins per sample across unequal batches, custom metrics per batch).
import Testing
@testable import SeqNN

/// One batch through a fresh metric: [rows, trueCols] targets and [rows, cols] predictions.
func metricValue(_ m: Metric, t: [Float], trueCols: Int, y: [Float], cols: Int) throws -> Double {
    m.reset()
    try m.update(yTrue: t, trueCols: trueCols, yPred: y, cols: cols, rows: y.count / cols)
    return m.result
}

struct MetricTests {
    @Test func accuracyResolvesLikeKeras() throws {
        let mse = try Losses.named("mse"), bce = try Losses.named("binary_crossentropy")
        let cce = try Losses.named("categorical_crossentropy"), scce = try Losses.named("sparse_categorical_crossentropy")
        // Binary: one output column. Keras 3 (compile_utils.get_metric) decides from the shapes alone;
        // Keras 2 also chose binary for a binary_crossentropy loss, Keras 3 does not.
        #expect(try Metrics.named("accuracy", loss: mse, predColumns: 1, trueColumns: 1) is BinaryAccuracy)
        #expect(try Metrics.named("accuracy", loss: bce, predColumns: 1, trueColumns: 1) is BinaryAccuracy)
        #expect(try Metrics.named("acc", loss: bce, predColumns: 4, trueColumns: 4) is CategoricalAccuracy)
        #expect(try Metrics.named("accuracy", loss: cce, predColumns: 1, trueColumns: 1) is BinaryAccuracy)
        // Sparse: one y_true column against several outputs, or a sparse loss.
        #expect(try Metrics.named("accuracy", loss: mse, predColumns: 3, trueColumns: 1) is SparseCategoricalAccuracy)
        #expect(try Metrics.named("accuracy", loss: scce, predColumns: 3, trueColumns: 1) is SparseCategoricalAccuracy)
        // Otherwise categorical.
        #expect(try Metrics.named("accuracy", loss: cce, predColumns: 3, trueColumns: 3) is CategoricalAccuracy)
        #expect(try Metrics.named("accuracy", loss: mse, predColumns: 3, trueColumns: 3) is CategoricalAccuracy)
        #expect(try Metrics.named("accuracy", loss: nil, predColumns: 3, trueColumns: 3).name == "accuracy")
        #expect(try Metrics.named("acc", loss: cce, predColumns: 3, trueColumns: 3).name == "acc")
        expectSeqNNError(.invalidArgument) { _ = try Metrics.named("f1", loss: nil, predColumns: 3, trueColumns: 3) }
    }

    @Test func accuracyResolutionThroughCompileAndFit() throws {
        // A sparse loss with 3 outputs: y has one label per sample and "accuracy" is sparse.
        let model = try Sequential([Dense(units: 3, activation: Activations.Softmax())], seed: 1)
        try model.setInput(shape: [2])
        try model.compile(optimizer: "sgd", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"])
        let x: [Float] = [1, 0, 0, 1, 1, 1, -1, 0]
        let h = try model.fit(x: x, y: [0, 1, 2, 1], options: { var o = FitOptions(); o.verbose = 0; o.shuffle = false; return o }())
        #expect(h.keys == ["loss", "accuracy"])
        let compiled = try #require(model.compiled)
        let (train, _) = try compiled.metrics(trueColumns: 1, predColumns: 3, custom: [])
        #expect(train.first is SparseCategoricalAccuracy)
    }

    @Test func binaryAccuracyThresholdsAtHalf() throws {
        let m = try Metrics.named("binary_accuracy", loss: nil, predColumns: 1, trueColumns: 1)
        // 0.5 is not > 0.5, so it predicts 0.
        let v = try metricValue(m, t: [0, 1, 1, 0], trueCols: 1, y: [0.2, 0.7, 0.5, 0.9], cols: 1)
        expectClose(v, 0.5, "binary accuracy")
        // Several columns: the mean over the last axis per row, then over rows.
        let v2 = try metricValue(m, t: [1, 0, 1, 1, 1, 1], trueCols: 3, y: [0.9, 0.1, 0.2, 0.6, 0.7, 0.8], cols: 3)
        expectClose(v2, (2.0 / 3 + 1) / 2, "binary accuracy over columns")
        let custom = try Metrics.from(json("{\"class_name\": \"BinaryAccuracy\", \"config\": {\"name\": \"ba\", \"threshold\": 0.8}}"),
                                      loss: nil, predColumns: 1, trueColumns: 1)
        #expect(custom.name == "ba")
        expectClose(try metricValue(custom, t: [1, 1, 0], trueCols: 1, y: [0.7, 0.9, 0.85], cols: 1), 1.0 / 3, "threshold 0.8")
    }

    @Test func categoricalAccuracyTakesTheFirstOfTiedMaxima() throws {
        let m = try Metrics.named("categorical_accuracy", loss: nil, predColumns: 3, trueColumns: 3)
        let t: [Float] = [0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0]
        let y: [Float] = [0.2, 0.5, 0.3,   // right
                          0.4, 0.4, 0.2,   // tie -> index 0: right
                          0.1, 0.6, 0.3,   // wrong
                          0.3, 0.3, 0.3]   // tie -> index 0, label 1: wrong
        expectClose(try metricValue(m, t: t, trueCols: 3, y: y, cols: 3), 0.5, "categorical accuracy")
    }

    @Test func sparseCategoricalAccuracyComparesLabels() throws {
        let m = try Metrics.named("sparse_categorical_accuracy", loss: nil, predColumns: 3, trueColumns: 1)
        let y: [Float] = [0.2, 0.5, 0.3, 0.4, 0.4, 0.2, 0.1, 0.6, 0.3]
        expectClose(try metricValue(m, t: [1, 1, 2], trueCols: 1, y: y, cols: 3), 1.0 / 3, "sparse accuracy")
    }

    @Test func topKCountsTiesAtTheBoundaryAsInside() throws {
        let k2 = try Metrics.from(json("{\"class_name\": \"TopKCategoricalAccuracy\", \"config\": {\"k\": 2, \"name\": \"top2\"}}"),
                                  loss: nil, predColumns: 4, trueColumns: 4)
        #expect(k2.name == "top2")
        let t: [Float] = [0, 0, 1, 0,  1, 0, 0, 0,  0, 0, 0, 1]
        let y: [Float] = [0.1, 0.4, 0.3, 0.2,   // class 2 is 2nd: in
                          0.1, 0.4, 0.3, 0.2,   // class 0 is 4th: out
                          0.3, 0.3, 0.1, 0.3]   // class 3 tied for 1st with two others: in (in_top_k)
        expectClose(try metricValue(k2, t: t, trueCols: 4, y: y, cols: 4), 2.0 / 3, "top-2")
        let k5 = try Metrics.named("top_k_categorical_accuracy", loss: nil, predColumns: 4, trueColumns: 4)
        expectClose(try metricValue(k5, t: t, trueCols: 4, y: y, cols: 4), 1, "top-5 of 4 classes")
        // Sparse labels against several outputs.
        let sparse = try metricValue(k2, t: [2, 0, 3], trueCols: 1, y: y, cols: 4)
        expectClose(sparse, 2.0 / 3, "top-2 with sparse labels")
    }

    @Test func meanErrorMetricsAverageOverTheLastAxis() throws {
        let mse = try Metrics.named("mse", loss: nil, predColumns: 2, trueColumns: 2)
        let mae = try Metrics.named("mean_absolute_error", loss: nil, predColumns: 2, trueColumns: 2)
        let t: [Float] = [1, 2, 0, 0], y: [Float] = [1.5, 1, -1, 3]
        expectClose(try metricValue(mse, t: t, trueCols: 2, y: y, cols: 2), ((0.25 + 1) / 2 + (1 + 9) / 2) / 2, "mse")
        expectClose(try metricValue(mae, t: t, trueCols: 2, y: y, cols: 2), ((0.5 + 1) / 2 + (1 + 3) / 2) / 2, "mae")
    }

    @Test func builtInsAverageOverSamplesAndCustomMetricsOverBatches() throws {
        // learning_rate 0 keeps the weights, so every batch sees the same model.
        let model = try Sequential([Dense(units: 1)], seed: 4)
        try model.setInput(shape: [2])
        try model.addMetric(CustomMetric(name: "rows") { _, _, rows, _, _ in Double(rows) })
        try model.compile(optimizer: json("{\"class_name\": \"SGD\", \"config\": {\"learning_rate\": 0}}"), loss: "mse",
                          metrics: ["mae", "rows"])
        let x: [Float] = [1, 2, -1, 0.5, 3, -2, 0, 1, 2, 2]
        let y: [Float] = [0.5, -1, 2, 0, 1]
        var o = FitOptions()
        o.batchSize = 2; o.shuffle = false; o.verbose = 0; o.epochs = 2
        let h = try model.fit(x: x, y: y, options: o)
        #expect(h.keys == ["loss", "mae", "rows"])
        let pred = try model.predict(x)
        let se = zip(pred, y).map { Double($0 - $1) * Double($0 - $1) }
        let ae = zip(pred, y).map { abs(Double($0 - $1)) }
        for e in 0..<2 {
            expectClose(h["loss"]![e], se.reduce(0, +) / 5, rtol: 1e-5, "epoch \(e) loss: per sample over batches 2, 2, 1")
            expectClose(h["mae"]![e], ae.reduce(0, +) / 5, rtol: 1e-5, "epoch \(e) mae: per sample")
            expectClose(h["rows"]![e], (2.0 + 2 + 1) / 3, "epoch \(e) custom metric: per batch")
        }
        // evaluate averages the same way, in its own batches.
        let ev = try model.evaluate(x: x, y: y, batchSize: 3)
        expectClose(ev[0], se.reduce(0, +) / 5, rtol: 1e-5, "evaluate loss")
        expectClose(ev[1], ae.reduce(0, +) / 5, rtol: 1e-5, "evaluate mae")
        expectClose(ev[2], (3.0 + 2) / 2, "evaluate custom metric")
        #expect(try model.metricNames() == ["loss", "mae", "rows"])
    }

    @Test func customMetricSeesTheBatch() throws {
        let model = try Sequential([Dense(units: 2, activation: Activations.Sigmoid())], seed: 4)
        try model.setInput(shape: [3])
        try model.addMetric(CustomMetric(name: "mean_pred") { _, yPred, rows, cols, _ in
            var s = 0.0
            for i in 0..<(rows * cols) { s += Double(yPred[i]) }
            return s / Double(rows * cols)
        })
        try model.compile(optimizer: json("{\"class_name\": \"SGD\", \"config\": {\"learning_rate\": 0}}"), loss: "binary_crossentropy",
                          metrics: ["mean_pred"])
        let x: [Float] = [1, 2, 3, -1, 0, 1]
        let ev = try model.evaluate(x: x, y: [1, 0, 0, 1])
        let p = try model.predict(x)
        expectClose(ev[1], p.map(Double.init).reduce(0, +) / 4, rtol: 1e-6, "mean_pred")
        expectSeqNNError(.invalidArgument) { try model.addMetric(CustomMetric(name: "mean_pred") { _, _, _, _, _ in 0 }) }
        expectSeqNNError(.invalidArgument) {
            try model.compile(optimizer: "sgd", loss: "mse", metrics: ["mae", "mae"])
        }
    }

    @Test func aThrowingCustomMetricStopsFitWithStopped() throws {
        struct Boom: Error {}
        let model = try Sequential([Dense(units: 1)], seed: 4)
        try model.setInput(shape: [1])
        try model.addMetric(CustomMetric(name: "boom") { _, _, _, _, _ in throw Boom() })
        try model.compile(optimizer: "sgd", loss: "mse", metrics: ["boom"])
        var o = FitOptions(); o.verbose = 0
        expectSeqNNError(.stopped) { try model.fit(x: [1, 2], y: [1, 2], options: o) }
    }
}
