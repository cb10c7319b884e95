#if canImport(Glibc)
import Glibc
#endif

/// `binary_crossentropy`: mean over the last axis of -(t log p + (1 - t) log(1 - p)).
///
/// From probabilities Keras clips p to [eps, 1 - eps] (zero gradient where clipped); from logits it is
/// max(z, 0) - z t + log(1 + exp(-|z|)) with gradient sigmoid(z) - t.
/// tf_keras (Keras 2) also adds epsilon inside both logs after clipping (backend.py `binary_crossentropy`);
/// `keras2` reproduces that for files written by Keras 2.
package struct BinaryCrossentropy: LogitsAwareLoss, ElementwiseLoss {
    package var fromLogits: Bool
    package var labelSmoothing: Float
    package var keras2: Bool
    package init(fromLogits: Bool = false, labelSmoothing: Float = 0, keras2: Bool = false) {
        self.fromLogits = fromLogits
        self.labelSmoothing = labelSmoothing
        self.keras2 = keras2
    }
    package var name: String { "binary_crossentropy" }
    package var className: String { "BinaryCrossentropy" }
    package var configPairs: [(String, JSON)] {
        [("from_logits", .bool(fromLogits)), ("label_smoothing", .float(labelSmoothing))]
    }
    package var fusedActivation: String? { fromLogits ? nil : "sigmoid" }
    package var fromLogitsVariant: any Loss { BinaryCrossentropy(fromLogits: true, labelSmoothing: labelSmoothing, keras2: keras2) }
    var shift: Float { keras2 ? kerasEpsilon : 0 }

    /// Keras's binary label smoothing: t * (1 - ls) + 0.5 * ls.
    @inline(__always) func target(_ t: Float) -> Float { labelSmoothing == 0 ? t : t * (1 - labelSmoothing) + 0.5 * labelSmoothing }

    @inline(__always) package func term(_ t0: Float, _ y: Float) -> Float {
        let t = target(t0)
        if fromLogits { return max(y, 0) - y * t + log1pf(expf(-abs(y))) }
        let p = clip(y, kerasEpsilon, 1 - kerasEpsilon)
        return -(t * logf(p + shift) + (1 - t) * logf(1 - p + shift))
    }

    @inline(__always) package func termGradient(_ t0: Float, _ y: Float) -> Float {
        let t = target(t0)
        if fromLogits { return sigmoidf(y) - t }
        guard y >= kerasEpsilon && y <= 1 - kerasEpsilon else { return 0 }
        return -t / (y + shift) + (1 - t) / (1 - y + shift)
    }
}
