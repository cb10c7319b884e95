#if canImport(Glibc)
import Glibc
#endif

/// A Keras loss function over a batch laid out as [rows, cols] (cols = the last axis of the output).
///
/// `perRow` gives one value per row (Keras's per-sample loss before reduction, e.g. the mean over the last
/// axis for mean_squared_error, the sum over classes for crossentropy). The model reduces them as Keras's
/// default `sum_over_batch_size` does: sum(w_r * loss_r) / rows. `gradient` writes
/// scale[r] * d loss_r / d yPred[r, :], where the model passes scale[r] = w_r / rows.
package protocol Loss: Sendable {
    /// The spelled-out Keras function name ("categorical_crossentropy"), as Keras 2 writes it in `training_config`.
    var name: String { get }
    /// The Keras class ("CategoricalCrossentropy") and its config, for `compile`-style round trips.
    var className: String { get }
    var configPairs: [(String, JSON)] { get }
    /// The y_true columns expected for `cols` outputs: `cols`, or 1 for sparse labels.
    func trueColumns(predColumns cols: Int) -> Int
    func perRow(yTrue: UnsafePointer<Float>, yPred: UnsafePointer<Float>, rows: Int, cols: Int,
                out: UnsafeMutablePointer<Float>)
    func gradient(yTrue: UnsafePointer<Float>, yPred: UnsafePointer<Float>, rows: Int, cols: Int,
                  scale: UnsafePointer<Float>, grad: UnsafeMutablePointer<Float>)
    /// Checks y_true before training (e.g. sparse labels in range); returns a message when it is invalid.
    func validateTargets(_ yTrue: UnsafePointer<Float>, rows: Int, cols: Int) -> String?
}

extension Loss {
    package func trueColumns(predColumns cols: Int) -> Int { cols }
    package func validateTargets(_ yTrue: UnsafePointer<Float>, rows: Int, cols: Int) -> String? { nil }
    package var configPairs: [(String, JSON)] { [] }
}

/// A crossentropy that Keras computes from the logits when the model's last activation is the matching
/// softmax or sigmoid: Keras's backend finds the `_keras_logits` the activation left on its output and
/// switches to `from_logits=True` (keras/src/backend/tensorflow/nn.py). So SeqNN does the same, which
/// also gives the exact fused gradient (softmax - target) without the 1e-7 clipping.
package protocol LogitsAwareLoss: Loss {
    /// The activation name whose pre-activation this loss can consume ("softmax" or "sigmoid").
    var fusedActivation: String? { get }
    /// The same loss evaluated from logits.
    var fromLogitsVariant: any Loss { get }
}

/// A loss that is the mean over the last axis of an elementwise term.
package protocol ElementwiseLoss: Loss {
    func term(_ t: Float, _ y: Float) -> Float
    /// d term / d y.
    func termGradient(_ t: Float, _ y: Float) -> Float
}

extension ElementwiseLoss {
    package func perRow(yTrue: UnsafePointer<Float>, yPred: UnsafePointer<Float>, rows: Int, cols: Int,
                       out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            var s: Double = 0
            for c in 0..<cols { s += Double(term(yTrue[r * cols + c], yPred[r * cols + c])) }
            out[r] = Float(s / Double(cols))
        }
    }

    package func gradient(yTrue: UnsafePointer<Float>, yPred: UnsafePointer<Float>, rows: Int, cols: Int,
                         scale: UnsafePointer<Float>, grad: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let s = scale[r] / Float(cols)
            for c in 0..<cols { let i = r * cols + c; grad[i] = s * termGradient(yTrue[i], yPred[i]) }
        }
    }
}

/// Keras's fuzz factor (`keras.config.epsilon()`), used to clip probabilities.
package let kerasEpsilon: Float = 1e-7

package enum Losses {
    static let names = ["mean_squared_error (mse)", "mean_absolute_error (mae)", "mean_absolute_percentage_error (mape)",
                        "mean_squared_logarithmic_error (msle)", "binary_crossentropy", "categorical_crossentropy",
                        "sparse_categorical_crossentropy", "hinge", "squared_hinge", "categorical_hinge",
                        "kl_divergence (kld)", "poisson", "huber", "log_cosh", "cosine_similarity"]

    /// Resolves a loss by Keras name or alias ("mse", "MeanSquaredError", "categorical_crossentropy"),
    /// or from a serialized `{"class_name": ..., "config": {...}}` (from_logits, label_smoothing, delta, ...).
    /// `kerasMajor` picks the generation whose definition differs (tf_keras's binary_crossentropy).
    package static func from(_ spec: JSON, kerasMajor: Int = 3) throws -> any Loss {
        if let s = spec.string { return try make(s, config: .object([]), kerasMajor: kerasMajor) }
        guard let cls = spec["class_name"]?.string else {
            throw SeqNNError(.invalidArgument, "loss must be a name or {\"class_name\", \"config\"}, found \(spec)")
        }
        return try make(cls, config: spec["config"] ?? .object([]), kerasMajor: kerasMajor)
    }

    package static func named(_ s: String) throws -> any Loss { try make(s, config: .object([])) }

    static func make(_ name: String, config c: JSON, kerasMajor: Int = 3) throws -> any Loss {
        let logits = c["from_logits"]?.bool ?? false
        let smoothing = Float(c["label_smoothing"]?.number ?? 0)
        if let r = c["reduction"]?.string, !["sum_over_batch_size", "auto"].contains(r) {
            throw SeqNNError(.unsupported, "loss '\(name)': reduction '\(r)' is not supported; SeqNN reduces with sum_over_batch_size")
        }
        switch Initializers.snakeCase(name) {
        case "mean_squared_error", "mse", "m_s_e": return MeanSquaredError()
        case "mean_absolute_error", "mae", "m_a_e": return MeanAbsoluteError()
        case "mean_absolute_percentage_error", "mape", "m_a_p_e": return MeanAbsolutePercentageError()
        case "mean_squared_logarithmic_error", "msle", "m_s_l_e": return MeanSquaredLogarithmicError()
        case "binary_crossentropy", "bce": return BinaryCrossentropy(fromLogits: logits, labelSmoothing: smoothing, keras2: kerasMajor < 3)
        case "categorical_crossentropy", "cce": return CategoricalCrossentropy(fromLogits: logits, labelSmoothing: smoothing)
        case "sparse_categorical_crossentropy", "scce": return SparseCategoricalCrossentropy(fromLogits: logits)
        case "hinge": return Hinge(squared: false)
        case "squared_hinge": return Hinge(squared: true)
        case "categorical_hinge": return CategoricalHinge()
        case "kl_divergence", "kld", "k_l_d", "kullback_leibler_divergence", "k_l_divergence": return KLDivergence()
        case "poisson": return Poisson()
        case "huber", "huber_loss": return Huber(delta: Float(c["delta"]?.number ?? 1))
        case "log_cosh", "logcosh", "log_cosh_error": return LogCosh()
        case "cosine_similarity": return CosineSimilarity()
        default:
            throw SeqNNError(.invalidArgument, "unknown loss '\(name)'; known: \(names.joined(separator: ", "))")
        }
    }
}

@inline(__always) func clip(_ x: Float, _ lo: Float, _ hi: Float) -> Float { min(max(x, lo), hi) }
@inline(__always) func signum(_ x: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : 0) }
