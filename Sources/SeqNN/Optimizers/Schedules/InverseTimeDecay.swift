/// `keras.optimizers.schedules.InverseTimeDecay(initial_learning_rate, decay_steps, decay_rate, staircase=False)`:
/// lr = initial / (1 + decay_rate * step / decay_steps), the quotient floored when `staircase`.
package final class InverseTimeDecay: RateDecaySchedule, @unchecked Sendable {
    override package class var kerasClassName: String { "InverseTimeDecay" }

    override package func value(at step: Int) -> Float { initial / (1 + decayRate * progress(step)) }
}
