#if canImport(Glibc)
import Glibc
#endif

/// `keras.optimizers.schedules.ExponentialDecay(initial_learning_rate, decay_steps, decay_rate, staircase=False)`:
/// lr = initial * decay_rate ^ (step / decay_steps), the exponent floored when `staircase`.
package final class ExponentialDecay: RateDecaySchedule, @unchecked Sendable {
    override package class var kerasClassName: String { "ExponentialDecay" }

    override package func value(at step: Int) -> Float { initial * powf(decayRate, progress(step)) }
}

/// What ExponentialDecay and InverseTimeDecay share: the same four arguments, and `step / decay_steps`
/// (floored when `staircase`) as the quantity they decay by.
package class RateDecaySchedule: LearningRateSchedule, @unchecked Sendable {
    let initial: Float, decaySteps: Float, decayRate: Float, staircase: Bool

    init(_ c: ScheduleConfig) throws {
        initial = Float(try c.number("initial_learning_rate"))
        decaySteps = Float(try c.positive("decay_steps"))
        decayRate = Float(try c.number("decay_rate"))
        staircase = try c.bool("staircase", default: false)
        try super.init(c, keys: [("initial_learning_rate", nil), ("decay_steps", nil), ("decay_rate", nil),
                                 ("staircase", false), ("name", .string(Self.kerasClassName))])
    }

    /// Keras's `p = step / decay_steps`, floored when `staircase`, in float32.
    func progress(_ step: Int) -> Float {
        let p = Float(step) / decaySteps
        return staircase ? p.rounded(.down) : p
    }
}
