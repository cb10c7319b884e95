/// `keras.optimizers.schedules.InverseTimeDecay(initial_learning_rate, decay_steps, decay_rate, staircase=False)`:
/// lr = initial / (1 + decay_rate * step / decay_steps), the quotient floored when `staircase`.
package final class InverseTimeDecay: LearningRateSchedule, @unchecked Sendable {
    override package class var kerasClassName: String { "InverseTimeDecay" }
    let initial: Float, decaySteps: Float, decayRate: Float, staircase: Bool

    init(_ c: ScheduleConfig) throws {
        initial = Float(try c.number("initial_learning_rate"))
        decaySteps = Float(try c.positive("decay_steps"))
        decayRate = Float(try c.number("decay_rate"))
        staircase = try c.bool("staircase", default: false)
        try super.init(c, keys: [("initial_learning_rate", nil), ("decay_steps", nil), ("decay_rate", nil),
                                 ("staircase", false), ("name", "InverseTimeDecay")])
    }

    override package func value(at step: Int) -> Float {
        var p = Float(step) / decaySteps
        if staircase { p = p.rounded(.down) }
        return initial / (1 + decayRate * p)
    }
}
