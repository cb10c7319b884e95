// Losses: per-row values against Double formulas written from Keras 3's definitions
// (keras/src/losses/losses.py, keras/src/backend/tensorflow/nn.py), and gradients w.r.t. y_pred
// against central finite differences of the reduced loss sum(loss_r) / rows.
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SeqNN

/// One loss under test: its spec, the data domain and a Double reference of the per-row loss.
struct LossCase: CustomTestStringConvertible, Sendable {
    enum Domain: Sendable { case regression, positive, probabilities, logits, signed, binaryLabels, onehotProbs, onehotLogits, sparseProbs, sparseLogits, softTargets, categoricalHinge }
    let label: String
    let spec: String
    let domain: Domain
    let cols: Int
    let h: Float
    var testDescription: String { label }

    let kerasMajor: Int

    init(_ label: String, _ spec: String, _ domain: Domain, cols: Int = 3, h: Float = 1e-3, kerasMajor: Int = 3) {
        self.label = label; self.spec = spec; self.domain = domain; self.cols = cols; self.h = h; self.kerasMajor = kerasMajor
    }

    var loss: any Loss { try! Losses.from(JSON.parse(spec), kerasMajor: kerasMajor) }

    /// (y_true, y_pred) for `rows` rows, away from every kink of the loss by more than the FD step.
    func data(rows: Int, seed: UInt64) -> (t: [Float], y: [Float], trueCols: Int) {
        var r = TestRandom(seed)
        var t = [Float](), y = [Float]()
        func offset() -> Double {   // |e| away from 0, 0.5 and 1 (MAE/MAPE, Huber(0.5), Huber(1) kinks)
            let choices = [(0.2, 0.4), (0.6, 0.9), (1.2, 1.8)]
            let (lo, hi) = choices[r.int(3)]
            return r.sign() * r.uniform(lo, hi)
        }
        switch domain {
        case .regression:
            for _ in 0..<(rows * cols) {
                let tv = r.sign() * r.uniform(0.3, 2)
                t.append(Float(tv)); y.append(Float(tv + offset()))
            }
        case .positive:
            for _ in 0..<(rows * cols) { t.append(Float(r.uniform(0, 3))); y.append(Float(r.uniform(0.2, 3))) }
        case .probabilities:
            for _ in 0..<(rows * cols) { t.append(Float(r.int(2))); y.append(Float(r.uniform(0.05, 0.95))) }
        case .logits:
            for _ in 0..<(rows * cols) { t.append(Float(r.int(2))); y.append(Float(r.uniform(-3, 3))) }
        case .signed, .binaryLabels:
            while t.count < rows * cols {
                let tv = r.sign()
                let yv = r.uniform(-2, 2)
                guard abs(1 - tv * yv) > 0.1 else { continue }
                t.append(Float(domain == .signed ? tv : (tv + 1) / 2)); y.append(Float(yv))
            }
        case .onehotProbs, .onehotLogits, .softTargets:
            for _ in 0..<rows {
                let k = r.int(cols)
                var soft = (0..<cols).map { _ in r.uniform(0.1, 1) }
                let s = soft.reduce(0, +)
                soft = soft.map { $0 / s }
                for c in 0..<cols {
                    t.append(domain == .softTargets ? Float(soft[c]) : (c == k ? 1 : 0))
                    y.append(Float(domain == .onehotLogits ? r.uniform(-3, 3) : r.uniform(0.05, 0.95)))
                }
            }
        case .sparseProbs, .sparseLogits:
            for _ in 0..<rows {
                t.append(Float(r.int(cols)))
                for _ in 0..<cols { y.append(Float(domain == .sparseLogits ? r.uniform(-3, 3) : r.uniform(0.05, 0.95))) }
            }
            return (t, y, 1)
        case .categoricalHinge:
            while t.count < rows * cols {
                let k = r.int(cols)
                let tr = (0..<cols).map { Float($0 == k ? 1 : 0) }
                let yr = (0..<cols).map { _ in Float(r.uniform(-2, 2)) }
                let negs = (0..<cols).map { (1 - tr[$0]) * yr[$0] }.sorted(by: >)
                let pos = zip(tr, yr).map { $0 * $1 }.reduce(0, +)
                // a unique arg-max of the negatives and an active margin, both clear of the FD step
                guard negs[0] - negs[1] > 0.1, abs(negs[0] - pos + 1) > 0.1 else { continue }
                t += tr; y += yr
            }
        }
        return (t, y, cols)
    }
}

let lossCases: [LossCase] = [
    LossCase("mse", "\"mse\"", .regression, h: 1e-2),
    LossCase("mae", "\"mean_absolute_error\"", .regression, h: 1e-2),
    LossCase("mape", "\"mape\"", .regression, h: 1e-2),
    LossCase("msle", "\"msle\"", .positive, h: 1e-2),
    LossCase("huber", "\"huber\"", .regression, h: 1e-2),
    LossCase("huber_delta_0.5", "{\"class_name\": \"Huber\", \"config\": {\"delta\": 0.5}}", .regression, h: 1e-2),
    LossCase("log_cosh", "\"log_cosh\"", .regression, h: 1e-2),
    LossCase("cosine_similarity", "\"cosine_similarity\"", .regression, h: 1e-2),
    LossCase("poisson", "\"poisson\"", .positive, h: 1e-2),
    LossCase("kl_divergence", "\"kl_divergence\"", .softTargets),
    LossCase("hinge", "\"hinge\"", .signed, h: 1e-2),
    LossCase("hinge_01_labels", "\"hinge\"", .binaryLabels, h: 1e-2),
    LossCase("squared_hinge", "\"squared_hinge\"", .signed, h: 1e-2),
    LossCase("categorical_hinge", "\"categorical_hinge\"", .categoricalHinge, h: 1e-2),
    LossCase("binary_crossentropy", "\"binary_crossentropy\"", .probabilities),
    LossCase("binary_crossentropy_smoothing", "{\"class_name\": \"BinaryCrossentropy\", \"config\": {\"label_smoothing\": 0.2}}", .probabilities),
    LossCase("binary_crossentropy_keras2", "\"binary_crossentropy\"", .probabilities, kerasMajor: 2),
    LossCase("binary_crossentropy_logits", "{\"class_name\": \"BinaryCrossentropy\", \"config\": {\"from_logits\": true}}", .logits, h: 1e-2),
    LossCase("binary_crossentropy_logits_smoothing", "{\"class_name\": \"BinaryCrossentropy\", \"config\": {\"from_logits\": true, \"label_smoothing\": 0.1}}", .logits, h: 1e-2),
    LossCase("categorical_crossentropy", "\"categorical_crossentropy\"", .onehotProbs),
    LossCase("categorical_crossentropy_soft", "\"categorical_crossentropy\"", .softTargets),
    LossCase("categorical_crossentropy_smoothing", "{\"class_name\": \"CategoricalCrossentropy\", \"config\": {\"label_smoothing\": 0.1}}", .onehotProbs),
    LossCase("categorical_crossentropy_logits", "{\"class_name\": \"CategoricalCrossentropy\", \"config\": {\"from_logits\": true}}", .onehotLogits, h: 1e-2),
    LossCase("categorical_crossentropy_logits_smoothing", "{\"class_name\": \"CategoricalCrossentropy\", \"config\": {\"from_logits\": true, \"label_smoothing\": 0.2}}", .onehotLogits, h: 1e-2),
    LossCase("sparse_categorical_crossentropy", "\"sparse_categorical_crossentropy\"", .sparseProbs),
    LossCase("sparse_categorical_crossentropy_logits", "{\"class_name\": \"SparseCategoricalCrossentropy\", \"config\": {\"from_logits\": true}}", .sparseLogits, h: 1e-2),
]

/// Keras 3's per-row losses in Double. `all` is the whole y_true batch (hinge converts 0/1 labels batch-wide).
func referenceLoss(_ c: LossCase, t: [Double], y: [Double], allTrue: [Double]) -> Double {
    let eps = 1e-7
    let n = Double(y.count)
    func clip(_ v: Double, _ lo: Double, _ hi: Double) -> Double { min(max(v, lo), hi) }
    func mean(_ f: (Double, Double) -> Double) -> Double { zip(t, y).map(f).reduce(0, +) / n }
    let config = try! JSON.parse(c.spec)
    let smoothing = config["config"]?["label_smoothing"]?.number ?? 0
    let logits = config["config"]?["from_logits"]?.bool ?? false
    switch c.label {
    case "mse": return mean { ($0 - $1) * ($0 - $1) }
    case "mae": return mean { abs($0 - $1) }
    case "mape": return mean { 100 * abs($0 - $1) / max(abs($0), eps) }
    case "msle": return mean { let d = log(max($1, eps) + 1) - log(max($0, eps) + 1); return d * d }
    case "huber", "huber_delta_0.5":
        let delta = c.label == "huber" ? 1.0 : 0.5
        return mean { let e = abs($1 - $0); return e <= delta ? 0.5 * e * e : delta * e - 0.5 * delta * delta }
    case "log_cosh": return mean { log(cosh($1 - $0)) }
    case "cosine_similarity":
        let nt = max(t.map { $0 * $0 }.reduce(0, +), 1e-12).squareRoot()
        let ny = max(y.map { $0 * $0 }.reduce(0, +), 1e-12).squareRoot()
        return -zip(t, y).map { $0 / nt * $1 / ny }.reduce(0, +)
    case "poisson": return mean { $1 - $0 * log($1 + eps) }
    case "kl_divergence":
        return zip(t, y).map { let a = clip($0, eps, 1), b = clip($1, eps, 1); return a * log(a / b) }.reduce(0, +)
    case "hinge", "hinge_01_labels", "squared_hinge":
        let convert = allTrue.allSatisfy { $0 == 0 || $0 == 1 }
        return mean { tv, yv in
            let s = convert ? 2 * tv - 1 : tv
            let h = max(1 - s * yv, 0)
            return c.label == "squared_hinge" ? h * h : h
        }
    case "categorical_hinge":
        let pos = zip(t, y).map { $0 * $1 }.reduce(0, +)
        let neg = zip(t, y).map { (1 - $0) * $1 }.max()!
        return max(neg - pos + 1, 0)
    case let l where l.hasPrefix("binary_crossentropy"):
        return mean { t0, v in
            let tv = t0 * (1 - smoothing) + 0.5 * smoothing
            if logits { return max(v, 0) - v * tv + log1p(exp(-abs(v))) }
            let p = clip(v, eps, 1 - eps)
            // tf_keras (Keras 2) also adds epsilon inside both logs (tf_keras/src/backend.py binary_crossentropy).
            let shift = c.kerasMajor < 3 ? eps : 0
            return -(tv * log(p + shift) + (1 - tv) * log(1 - p + shift))
        }
    case let l where l.hasPrefix("categorical_crossentropy"):
        let tt = t.map { $0 * (1 - smoothing) + smoothing / n }
        if logits {
            let m = y.max()!
            let lse = m + log(y.map { exp($0 - m) }.reduce(0, +))
            return zip(tt, y).map { $0 * (lse - $1) }.reduce(0, +)
        }
        let s = y.reduce(0, +)   // Keras renormalises the probabilities first
        return -zip(tt, y).map { $0 * log(clip($1 / s, eps, 1 - eps)) }.reduce(0, +)
    case let l where l.hasPrefix("sparse_categorical_crossentropy"):
        let k = Int(t[0])
        if logits {
            let m = y.max()!
            return m + log(y.map { exp($0 - m) }.reduce(0, +)) - y[k]
        }
        let cl = y.map { clip($0, eps, 1 - eps) }
        return log(cl.reduce(0, +)) - log(cl[k])
    default: fatalError("no reference for \(c.label)")
    }
}

struct LossTests {
    @Test(arguments: lossCases)
    func perRowMatchesKerasDefinition(_ c: LossCase) throws {
        let loss = c.loss
        let rows = 5
        let (t, y, tc) = c.data(rows: rows, seed: 21)
        var out = [Float](repeating: 0, count: rows)
        loss.perRow(yTrue: t, yPred: y, rows: rows, cols: c.cols, out: &out)
        let allTrue = t.map(Double.init)
        var ref = [Double]()
        for r in 0..<rows {
            ref.append(referenceLoss(c, t: t[(r * tc)..<((r + 1) * tc)].map(Double.init),
                                     y: y[(r * c.cols)..<((r + 1) * c.cols)].map(Double.init), allTrue: allTrue))
        }
        expectClose(out, ref, rtol: 1e-5, atol: 1e-6, c.label)
    }

    @Test(arguments: lossCases)
    func gradientMatchesFiniteDifferences(_ c: LossCase) throws {
        let loss = c.loss
        let rows = 4, cols = c.cols
        let (t, y, _) = c.data(rows: rows, seed: 7)
        let scale = [Float](repeating: 1 / Float(rows), count: rows)
        func total(_ yp: [Float]) -> Double {
            var out = [Float](repeating: 0, count: rows)
            loss.perRow(yTrue: t, yPred: yp, rows: rows, cols: cols, out: &out)
            return out.reduce(0.0) { $0 + Double($1) } / Double(rows)
        }
        var grad = [Float](repeating: .nan, count: y.count)
        loss.gradient(yTrue: t, yPred: y, rows: rows, cols: cols, scale: scale, grad: &grad)
        var numeric = [Double]()
        for i in 0..<y.count {
            var yp = y, ym = y
            yp[i] += c.h; ym[i] -= c.h
            numeric.append((total(yp) - total(ym)) / (Double(yp[i]) - Double(ym[i])))
        }
        let gmax = numeric.map(abs).max() ?? 1
        expectClose(grad.map(Double.init), numeric, rtol: 3e-3, atol: 3e-4 * max(gmax, 0.1), c.label)
    }

    /// The gradient is scale[r] * dloss_r: per-row scales (sample weights / rows) multiply each row alone.
    @Test(arguments: lossCases)
    func gradientScalesEachRowByItsOwnFactor(_ c: LossCase) throws {
        let loss = c.loss
        let rows = 3
        let (t, y, _) = c.data(rows: rows, seed: 8)
        var unit = [Float](repeating: 0, count: y.count), scaled = unit
        loss.gradient(yTrue: t, yPred: y, rows: rows, cols: c.cols, scale: [1, 1, 1], grad: &unit)
        let s: [Float] = [0.5, 0, 2]
        loss.gradient(yTrue: t, yPred: y, rows: rows, cols: c.cols, scale: s, grad: &scaled)
        for i in 0..<y.count {
            let want = Double(unit[i]) * Double(s[i / c.cols])
            expectClose(Double(scaled[i]), want, rtol: 1e-6, atol: 1e-7, "\(c.label) [\(i)]")
        }
    }

    @Test func crossentropyClipsProbabilitiesLikeKeras() throws {
        // p = 0 and p = 1 are clipped to [1e-7, 1 - 1e-7]: finite loss, zero gradient where clipped.
        let bce = try Losses.named("binary_crossentropy")
        var out: [Float] = [0]
        bce.perRow(yTrue: [1, 0], yPred: [0, 1], rows: 1, cols: 2, out: &out)
        // In float32 (as Keras computes) 1 - 1e-7 rounds to 1 - 2^-23, so the two terms differ slightly.
        let hi = Double(Float(1) - Float(1e-7))
        expectClose(Double(out[0]), (-log(Double(Float(1e-7))) - log(1 - hi)) / 2, rtol: 1e-6, atol: 0, "bce at the clip")
        var g: [Float] = [9, 9]
        bce.gradient(yTrue: [1, 0], yPred: [0, 1], rows: 1, cols: 2, scale: [1], grad: &g)
        #expect(g == [0, 0])

        let cce = try Losses.named("categorical_crossentropy")
        cce.perRow(yTrue: [0, 1, 0], yPred: [1, 0, 0], rows: 1, cols: 3, out: &out)
        expectClose(Double(out[0]), -log(1e-7), rtol: 1e-3, atol: 0, "cce at the clip")
        // Rows are renormalised: [2, 2] is [0.5, 0.5].
        cce.perRow(yTrue: [1, 0], yPred: [2, 2], rows: 1, cols: 2, out: &out)
        expectClose(Double(out[0]), log(2.0), rtol: 1e-6, atol: 0, "cce renormalises")
    }

    @Test func namesAndAliasesResolve() throws {
        let pairs: [(String, String)] = [("mse", "mean_squared_error"), ("MeanSquaredError", "mean_squared_error"),
                                         ("mae", "mean_absolute_error"), ("mape", "mean_absolute_percentage_error"),
                                         ("msle", "mean_squared_logarithmic_error"), ("kld", "kl_divergence"),
                                         ("KLDivergence", "kl_divergence"), ("logcosh", "log_cosh"),
                                         ("CategoricalCrossentropy", "categorical_crossentropy"),
                                         ("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy"),
                                         ("BinaryCrossentropy", "binary_crossentropy"), ("huber_loss", "huber"),
                                         ("SquaredHinge", "squared_hinge"), ("CategoricalHinge", "categorical_hinge")]
        for (alias, name) in pairs { #expect(try Losses.named(alias).name == name, "\(alias)") }
        let l = try Losses.from(json("{\"class_name\": \"CategoricalCrossentropy\", \"config\": {\"from_logits\": true}}"))
        #expect((l as? CategoricalCrossentropy)?.fromLogits == true)
        expectSeqNNError(.invalidArgument) { _ = try Losses.named("no_such_loss") }
        expectSeqNNError(.unsupported) { _ = try Losses.from(json("{\"class_name\": \"MeanSquaredError\", \"config\": {\"reduction\": \"sum\"}}")) }
        #expect(try Losses.named("sparse_categorical_crossentropy").trueColumns(predColumns: 10) == 1)
        #expect(try Losses.named("mse").trueColumns(predColumns: 10) == 10)
    }

    @Test func sparseLabelsAreValidated() throws {
        let l = try Losses.named("sparse_categorical_crossentropy")
        #expect(l.validateTargets([0, 2, 1], rows: 3, cols: 3) == nil)
        #expect(l.validateTargets([0, 3], rows: 2, cols: 3) != nil)
        #expect(l.validateTargets([0.5], rows: 1, cols: 3) != nil)
        #expect(l.validateTargets([-1], rows: 1, cols: 3) != nil)
    }
}
