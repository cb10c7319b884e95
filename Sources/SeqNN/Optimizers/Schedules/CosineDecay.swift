#if canImport(Glibc)
import Glibc
#endif

/// `keras.optimizers.schedules.CosineDecay(initial_learning_rate, decay_steps, alpha=0.0, warmup_target=None,
/// warmup_steps=0)`: without a warmup target, lr = initial * ((1 - alpha) * 0.5 (1 + cos(pi s / decay_steps)) + alpha)
/// with s = min(step, decay_steps). With one, a linear warmup from initial to warmup_target over warmup_steps,
/// then the same cosine from warmup_target over the next decay_steps.
package final class CosineDecay: LearningRateSchedule, @unchecked Sendable {
    override package class var kerasClassName: String { "CosineDecay" }
    let initial: Float, decaySteps: Float, warmupSteps: Float
    /// Keras multiplies by the Python doubles `1 - alpha` and `alpha`, each rounded to float32 once.
    let oneMinusAlpha: Float, alpha: Float
    let warmupTarget: Float?

    init(_ c: ScheduleConfig) throws {
        initial = Float(try c.number("initial_learning_rate"))
        decaySteps = Float(try c.positive("decay_steps"))
        let a = try c.number("alpha", default: 0)
        oneMinusAlpha = Float(1 - a)
        alpha = Float(a)
        warmupTarget = try c.optionalNumber("warmup_target").map(Float.init)
        let w = try c.number("warmup_steps", default: 0)
        guard w >= 0 else { throw c.fail("warmup_steps", ">= 0") }
        guard warmupTarget == nil || w > 0 else { throw c.fail("warmup_steps", "> 0 when warmup_target is set") }
        warmupSteps = Float(w)
        try super.init(c, keys: [("initial_learning_rate", nil), ("decay_steps", nil), ("alpha", .real(0)),
                                 ("name", "CosineDecay"), ("warmup_target", .null), ("warmup_steps", .number(0))])
    }

    override package func value(at step: Int) -> Float {
        guard let target = warmupTarget else {
            return decayed(min(Float(step), decaySteps), from: initial)
        }
        let s = min(Float(step), decaySteps + warmupSteps)
        if s < warmupSteps { return (target - initial) * (s / warmupSteps) + initial }
        return decayed(s - warmupSteps, from: target)
    }

    private func decayed(_ s: Float, from lr: Float) -> Float {
        let cosine = 0.5 * (1 + cosf(Float.pi * (s / decaySteps)))
        return lr * (oneMinusAlpha * cosine + alpha)
    }
}
