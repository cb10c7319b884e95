import SeqNN

/// How many weight values a layer made by `LayerRegistry.make` will allocate when it is built for an input
/// shape, computed from its declared sizes before building. `Layer.build` allocates every weight (and its
/// gradient) at once, and a tiny hostile file can declare `Dense(units=2**31)`: callers that build layers
/// from untrusted configs (seqinspect) check this against a budget first.
public enum DeclaredWeights {
    /// An upper bound on the layer's weight count for this per-sample input shape (channels last, as SeqNN
    /// runs); nil when the layer is of a class this function does not know (then do not build it on trust).
    /// Saturates instead of overflowing. Weightless layers give 0.
    public static func upperBound(_ layer: Layer, inputShape: [Int]) -> Int? {
        let last = inputShape.last ?? 0
        switch layer {
        case let d as Dense:
            return sum(product(last, d.units), d.units)
        case let c as BaseConv:
            return sum(product(product(c.kernelSize.reduce(1, product), last), c.filters), c.filters)
        case let e as Embedding:
            return product(e.inputDim, e.outputDim)
        case let r as RecurrentLayer:
            return recurrent(r, features: last)
        case let b as Bidirectional:
            return sum(recurrent(b.forwardLayer, features: last), recurrent(b.backwardLayer, features: last))
        case let t as TimeDistributed:
            return upperBound(t.layer, inputShape: Array(inputShape.dropFirst()))
        case is BatchNormalization, is LayerNormalization:
            return product(4, last)   // gamma, beta and (BatchNormalization) the moving mean and variance
        default:
            return isWeightless(layer) ? 0 : nil
        }
    }

    /// Keras's kernel [features, gates*units], recurrent kernel [units, gates*units] and bias (GRU with
    /// reset_after keeps two bias rows): at most gates * units * (features + units + 2).
    static func recurrent(_ r: RecurrentLayer, features: Int) -> Int {
        let gates = r is LSTM ? 4 : r is GRU ? 3 : 1
        return product(product(gates, r.units), sum(sum(features, r.units), 2))
    }

    /// The classes of SeqNN's registry that own no weights.
    public static func isWeightless(_ layer: Layer) -> Bool {
        switch layer {
        case is Activation, is Dropout, is Flatten, is Reshape, is InputLayer, is Permute, is RepeatVector,
             is BasePooling, is BaseGlobalPooling, is BaseZeroPadding, is BaseUpSampling, is BaseCropping:
            return true
        default:
            return false
        }
    }

    /// a + b for sizes, saturating at Int.max.
    static func sum(_ a: Int, _ b: Int) -> Int {
        let (s, overflow) = max(a, 0).addingReportingOverflow(max(b, 0))
        return overflow ? Int.max : s
    }

    /// a * b for sizes, saturating at Int.max (sizes are never negative here: configs are checked by `make`).
    static func product(_ a: Int, _ b: Int) -> Int {
        let (p, overflow) = max(a, 0).multipliedReportingOverflow(by: max(b, 0))
        return overflow ? Int.max : p
    }
}
