/// `keras.regularizers.L1L2` (and its `L1`, `L2` forms): adds l1 * sum|w| + l2 * sum w^2 to the loss.
/// Keras adds these penalties to the loss it reports and trains on; so does SeqNN.
package struct Regularizer: Sendable, Equatable {
    package var l1: Float
    package var l2: Float

    package init(l1: Float = 0, l2: Float = 0) { self.l1 = l1; self.l2 = l2 }

    /// Parses "l1" / "l2" / "l1_l2" (Keras defaults 0.01) or a serialized `{"class_name": "L2", "config": {"l2": ...}}`.
    package static func from(_ spec: JSON) throws -> Regularizer? {
        if spec.isNull { return nil }
        if let s = spec.string {
            switch s.lowercased() {
            case "l1": return Regularizer(l1: 0.01)
            case "l2": return Regularizer(l2: 0.01)
            case "l1_l2", "l1l2": return Regularizer(l1: 0.01, l2: 0.01)
            default: throw SeqNNError(.invalidArgument, "unknown regularizer '\(s)'; known: l1, l2, l1_l2")
            }
        }
        guard let cls = spec["class_name"]?.string else {
            throw SeqNNError(.invalidArgument, "regularizer must be a name or {\"class_name\", \"config\"}, found \(spec)")
        }
        let c = spec["config"] ?? .object([])
        let l1 = Float(c["l1"]?.number ?? 0), l2 = Float(c["l2"]?.number ?? 0)
        switch cls {
        case "L1", "l1": return Regularizer(l1: Float(c["l1"]?.number ?? 0.01))
        case "L2", "l2": return Regularizer(l2: Float(c["l2"]?.number ?? 0.01))
        case "L1L2", "l1_l2": return Regularizer(l1: l1, l2: l2)
        default: throw SeqNNError(.unsupported, "regularizer class '\(cls)' is not supported; supported: L1, L2, L1L2")
        }
    }

    /// `{"class_name": "L1L2", "config": {"l1", "l2"}}`, which Keras 2 and 3 both read.
    package var json: JSON {
        .object([("class_name", "L1L2"), ("config", .object([("l1", .float(l1)), ("l2", .float(l2))]))])
    }

    /// The penalty for `w`, accumulated in Double.
    package func penalty(_ w: Tensor) -> Double {
        var a = 0.0, s = 0.0
        for i in 0..<w.count { let v = Double(w.data[i]); a += abs(v); s += v * v }
        return Double(l1) * a + Double(l2) * s
    }

    /// grad += d penalty / d w. The sign of 0 is 0, as TensorFlow's gradient of abs takes it.
    package func accumulateGradient(_ w: Tensor, into g: Tensor) {
        for i in 0..<w.count {
            let v = w.data[i]
            let sign: Float = v > 0 ? 1 : (v < 0 ? -1 : 0)
            g.data[i] += l1 * sign + 2 * l2 * v
        }
    }
}
