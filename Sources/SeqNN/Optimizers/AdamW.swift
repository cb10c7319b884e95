/// `keras.optimizers.AdamW`: Adam with decoupled weight decay, default weight_decay=0.004
/// (applied by the base class as w -= w * weight_decay * lr before the Adam step, as Keras 3 does).
package final class AdamW: Adam, @unchecked Sendable {
    override package class var kerasClassName: String { "AdamW" }
    package init(config c: JSON = .object([])) throws {
        try super.init(config: c, defaultWeightDecay: 0.004)
    }
}
