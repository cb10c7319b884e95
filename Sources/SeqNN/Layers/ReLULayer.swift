/// `keras.layers.ReLU(max_value=None, negative_slope=0.0, threshold=0.0)`. (The class is `ReLULayer`
/// because `Activations.ReLU` is the function.)
///
/// f(x) = min(x, max_value) for x > threshold (0 where that would be below 0), and
/// negative_slope * (x - threshold) otherwise, computed as Keras's backend does:
/// `x * (x > threshold)` (or relu / relu6), clipped to [0, max_value], minus
/// `negative_slope * relu(threshold - x)`. With a slope, no max_value and threshold 0 it is leaky_relu.
/// The gradient is that of the same expression, so the kinks (x == threshold, 0, max_value) take
/// TensorFlow's one-sided values.
package final class ReLULayer: Activation, @unchecked Sendable {
    override package class var kerasClassName: String { "ReLU" }

    package let maxValue: Float?
    package let negativeSlope: Float
    package let threshold: Float

    package init(maxValue: Float? = nil, negativeSlope: Float = 0, threshold: Float = 0, name: String = "re_lu") throws {
        // Keras: "max_value of a ReLU layer cannot be a negative value"; the same for the others.
        for (key, v) in [("max_value", maxValue ?? 0), ("negative_slope", negativeSlope), ("threshold", threshold)] where v < 0 {
            throw SeqNNError(.invalidArgument, "ReLU '\(name)': \(key) must be >= 0, found \(v)")
        }
        self.maxValue = maxValue
        self.negativeSlope = negativeSlope
        self.threshold = threshold
        super.init(Function(maxValue: maxValue, negativeSlope: negativeSlope, threshold: threshold), name: name)
    }

    convenience init(config c: LayerConfig) throws {
        try self.init(maxValue: c.has("max_value") ? c.float("max_value", default: 0) : nil,
                      negativeSlope: c.float("negative_slope", default: 0), threshold: c.float("threshold", default: 0),
                      name: c.name ?? "re_lu")
    }

    override package func layerConfig() -> [(String, JSON)] {
        [("max_value", Self.number(maxValue)), ("negative_slope", Self.number(negativeSlope)), ("threshold", Self.number(threshold))]
    }

    /// Keras's backend `relu(x, negative_slope, max_value, threshold)`, term by term.
    struct Function: ElementwiseActivation {
        let maxValue: Float?, negativeSlope: Float, threshold: Float
        var name: String { "relu" }

        /// leaky_relu when only a slope is set (TensorFlow's op: x for x > 0, else slope * x).
        private var isLeaky: Bool { negativeSlope != 0 && maxValue == nil && threshold == 0 }
        /// relu6 (its own op, whose gradient is 0 at both ends) when max_value is 6 and threshold 0.
        private var isReLU6: Bool { threshold == 0 && maxValue == 6 }

        func value(_ x: Float) -> Float {
            if isLeaky { return x > 0 ? x : negativeSlope * x }
            var y: Float
            if threshold != 0 { y = x > threshold ? x : 0 } else { y = max(x, 0) }
            if isReLU6 { y = min(y, 6) } else if let m = maxValue { y = min(max(y, 0), m) }
            if negativeSlope != 0 { y -= negativeSlope * max(threshold - x, 0) }
            return y
        }

        func derivative(_ x: Float, _ y: Float) -> Float {
            if isLeaky { return x > 0 ? 1 : negativeSlope }
            // d/dx of x*(x > t), relu (0 at 0) or relu6 (0 at 0 and 6).
            var d: Float
            if threshold != 0 { d = x > threshold ? 1 : 0 } else if isReLU6 { d = x > 0 && x < 6 ? 1 : 0 } else { d = x > 0 ? 1 : 0 }
            // clip_by_value passes the gradient where min <= value <= max.
            if !isReLU6, let m = maxValue {
                let v: Float = threshold != 0 ? (x > threshold ? x : 0) : max(x, 0)
                if v < 0 || v > m { d = 0 }
            }
            // - slope * relu(t - x): relu's gradient is 0 at 0, so nothing at x == t.
            if negativeSlope != 0, threshold - x > 0 { d += negativeSlope }
            return d
        }
    }
}
