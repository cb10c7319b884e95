#if canImport(Glibc)
import Glibc
#endif

/// `keras.optimizers.schedules.ExponentialDecay(initial_learning_rate, decay_steps, decay_rate, staircase=False)`:
/// lr = initial * decay_rate ^ (step / decay_steps), the exponent floored when `staircase`.
package final class ExponentialDecay: LearningRateSchedule, @unchecked Sendable {
    override package class var kerasClassName: String { "ExponentialDecay" }
    let initial: Float, decaySteps: Float, decayRate: Float, staircase: Bool

    init(_ c: ScheduleConfig) throws {
        initial = Float(try c.number("initial_learning_rate"))
        decaySteps = Float(try c.positive("decay_steps"))
        decayRate = Float(try c.number("decay_rate"))
        staircase = try c.bool("staircase", default: false)
        try super.init(c, keys: [("initial_learning_rate", nil), ("decay_steps", nil), ("decay_rate", nil),
                                 ("staircase", false), ("name", "ExponentialDecay")])
    }

    override package func value(at step: Int) -> Float {
        var p = Float(step) / decaySteps
        if staircase { p = p.rounded(.down) }
        return initial * powf(decayRate, p)
    }
}
