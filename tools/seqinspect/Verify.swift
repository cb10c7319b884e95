#if canImport(Glibc)
import Glibc
#endif
import SeqNN
import SeqNNFile

struct VerifyCheck {
    var name: String
    var passed: Bool
    var detail: String
}

struct VerifyResult {
    var checks: [VerifyCheck] = []
    /// For the test batch: the largest |predicted - stored|, when it ran.
    var maxAbsDiff: Double?
    var passed: Bool { !checks.isEmpty && checks.allSatisfy(\.passed) }

    var json: JSON {
        .object([
            ("passed", .bool(passed)),
            ("max_abs_diff", maxAbsDiff.map { .number($0) } ?? .null),
            ("checks", .array(checks.map { .object([("name", .string($0.name)), ("passed", .bool($0.passed)), ("detail", .string($0.detail))]) })),
        ])
    }

    func text(displayPath: String) -> String {
        var out = "Verifying \(displayPath)\n"
        for c in checks { out += "  [\(c.passed ? "ok" : "FAIL")] \(c.name): \(c.detail)\n" }
        let failed = checks.filter { !$0.passed }.count
        out += failed == 0 ? "Result: all \(checks.count) checks passed\n" : "Result: \(failed) of \(checks.count) checks failed\n"
        return out
    }
}

/// `--verify`: load everything, run the stored test batch (or a deterministic input) and check every
/// value is finite. The tolerance for the test batch is numpy's `allclose` with atol 1e-5, rtol 1e-4.
enum Verify {
    static let atol = 1e-5, rtol = 1e-4

    static func run(_ r: ModelReport) -> VerifyResult {
        var res = VerifyResult()
        func check(_ name: String, _ passed: Bool, _ detail: String) { res.checks.append(VerifyCheck(name: name, passed: passed, detail: detail)) }

        // 0. SeqNN's own checksums (issue 15): a SeqNN file whose content changed after it was written fails
        // here; Keras's files have none, which is said (their damage shows only where HDF5 checks).
        do {
            check("checksums", true, try r.file.checksumReport())
        } catch {
            check("checksums", false, message(error))
        }

        // 1. The stored weights fit the architecture (what Keras's positional loader checks).
        let broken = r.problems.filter(\.broken)
        check("weights fit the architecture", broken.isEmpty,
              broken.isEmpty ? "\(r.allWeights.count) tensors, \(r.totalParams) params in \(r.layers.count) layers"
                             : broken.map(\.message).joined(separator: "; "))

        // 2. Every stored number is finite.
        do {
            let t = try WeightsView.collect(r, keepValues: false)
            check("weights are finite", t.weights.allSatisfy(\.stats.allFinite), finiteDetail(t.weights))
            if !t.optimizer.isEmpty {
                check("optimizer state is finite", t.optimizer.allSatisfy(\.stats.allFinite), finiteDetail(t.optimizer))
            }
        } catch {
            check("weights are readable", false, "\(error)")
            return res
        }

        // 3. SeqNN builds and loads the model completely (a weights file has no model to load: checks 1-2 are all).
        if r.file.layout == .weights { return res }
        guard r.seqnnCanRun else {
            let why = r.modelClass != "Sequential" ? "a '\(r.modelClass)' model; SeqNN runs Sequential models only"
                : "SeqNN cannot run these layers yet: " + r.unsupportedLayers.map { "\($0.name) (\($0.className))" }.joined(separator: ", ")
            check("SeqNN loads the model", false, why + "; no forward pass was run")
            return res
        }
        var model: Sequential?
        do {
            let m = try r.file.loadModel()
            model = m
            var what = "architecture and weights"
            if m.isCompiled { what += ", compiled (\(r.training?.optimizerClass ?? "?"), \(r.training?.loss ?? "?"))" }
            check("SeqNN loads the model", true, what)
        } catch {
            check("SeqNN loads the model", false, message(error))
            // Still try the forward pass with the architecture and weights alone.
            model = try? r.file.loadArchitectureAndWeights()
            if model == nil { return res }
        }
        guard let model, let inShape = model.inputShape, let outShape = model.outputShape else {
            check("forward pass", false, "the model has no known input shape")
            return res
        }

        // 4. The stored test batch, or a deterministic input.
        do {
            if let batch = try r.file.testBatch() {
                let n = batch.xShape.first ?? 0
                guard batch.xShape == [n] + inShape, n > 0 else {
                    check("test batch", false, "x has shape \(Shapes.describe(batch.xShape)); the model takes \(Shapes.describe(batch: n, inShape.map { $0 }))")
                    return res
                }
                guard batch.yShape == [n] + outShape else {
                    check("test batch", false, "y has shape \(Shapes.describe(batch.yShape)); the model gives \(Shapes.describe(batch: n, outShape.map { $0 }))")
                    return res
                }
                let y = try model.predict(batch.x)
                var worst = 0.0, worstIndex = 0, outside = 0
                for (i, (a, b)) in zip(y, batch.y).enumerated() {
                    let d = abs(Double(a) - Double(b))
                    if !(d <= atol + rtol * abs(Double(b))) { outside += 1 }
                    if d > worst || d.isNaN { worst = d.isNaN ? .nan : max(worst, d); worstIndex = i }
                    if d.isNaN { break }
                }
                res.maxAbsDiff = worst
                let width = outShape.reduce(1, *)
                var detail = "\(n) samples, max abs diff \(Format.c("%.3g", worst)) (tolerance 1e-5 + 1e-4*|y|)"
                if outside > 0 {
                    detail = "\(outside) of \(y.count) values outside the tolerance; max abs diff \(Format.c("%.3g", worst)) at sample \(worstIndex / max(width, 1)) output \(worstIndex % max(width, 1)): predicted \(Format.stat(Double(y[worstIndex]))), stored \(Format.stat(Double(batch.y[worstIndex])))"
                }
                check("test batch reproduces the stored outputs", outside == 0, detail)
                check("outputs are finite", y.allSatisfy(\.isFinite), finiteText(y))
            } else {
                let x = deterministicInput(r, samples: 4, shape: inShape)
                let y = try model.predict(x)
                check("forward pass on a deterministic input", true, "4 samples of shape \(Shapes.describe(inShape)) (no test batch stored)")
                check("outputs are finite", y.allSatisfy(\.isFinite), finiteText(y))
            }
        } catch {
            check("forward pass", false, message(error))
        }
        return res
    }

    static func message(_ e: Error) -> String { (e as? SeqNNError)?.message ?? "\(e)" }

    static func finiteDetail(_ ts: [TensorReport]) -> String {
        let bad = ts.filter { !$0.stats.allFinite }
        let values = ts.reduce(0) { $0 + $1.stats.count }
        if bad.isEmpty { return "\(values) values in \(ts.count) tensors" }
        return bad.map { "\($0.path): \($0.stats.nan) NaN, \($0.stats.inf) Inf" }.joined(separator: "; ")
    }

    static func finiteText(_ y: [Float]) -> String {
        let bad = y.filter { !$0.isFinite }.count
        if bad > 0 { return "\(bad) of \(y.count) output values are NaN or Inf" }
        let lo = y.min() ?? 0, hi = y.max() ?? 0
        return "\(y.count) values in [\(Format.stat(Double(lo))), \(Format.stat(Double(hi)))]"
    }

    /// A fixed input: values of sin in [-1, 1]; integer ids in [0, input_dim) when the first layer is an Embedding.
    static func deterministicInput(_ r: ModelReport, samples: Int, shape: [Int]) -> [Float] {
        let count = samples * shape.reduce(1, *)
        if let first = r.layers.first, first.className == "Embedding", let vocab = first.config["input_dim"]?.int, vocab > 0 {
            return (0..<count).map { Float(($0 * 7 + 3) % vocab) }
        }
        var out = [Float]()
        out.reserveCapacity(count)
        for i in 0..<count { out.append(Float(sin(Double(i) * 0.37 + 0.1))) }
        return out
    }

}
