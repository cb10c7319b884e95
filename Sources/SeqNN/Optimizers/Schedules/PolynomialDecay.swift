#if canImport(Glibc)
import Glibc
#endif

/// `keras.optimizers.schedules.PolynomialDecay(initial_learning_rate, decay_steps, end_learning_rate=0.0001,
/// power=1.0, cycle=False)`: lr = (initial - end) * (1 - step / decay_steps)^power + end with the step capped at
/// decay_steps, or, when `cycle`, decay_steps stretched to the first multiple of itself >= step.
package final class PolynomialDecay: LearningRateSchedule, @unchecked Sendable {
    override package class var kerasClassName: String { "PolynomialDecay" }
    let initial: Float, decaySteps: Float, end: Float, power: Float, cycle: Bool

    init(_ c: ScheduleConfig) throws {
        initial = Float(try c.number("initial_learning_rate"))
        decaySteps = Float(try c.positive("decay_steps"))
        end = Float(try c.number("end_learning_rate", default: 0.0001))
        power = Float(try c.number("power", default: 1))
        cycle = try c.bool("cycle", default: false)
        try super.init(c, keys: [("initial_learning_rate", nil), ("decay_steps", nil), ("end_learning_rate", .real(0.0001)),
                                 ("power", .real(1)), ("cycle", false), ("name", "PolynomialDecay")])
    }

    override package func value(at step: Int) -> Float {
        var s = Float(step), d = decaySteps
        if cycle {
            d *= s == 0 ? 1 : (s / decaySteps).rounded(.up)
        } else {
            s = min(s, d)
        }
        return (initial - end) * powf(1 - s / d, power) + end
    }
}
