#if canImport(Glibc)
import Glibc
#endif

/// `keras.optimizers.schedules.CosineDecayRestarts(initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
/// alpha=0.0)` (SGDR): cosine decay periods, the i-th t_mul^i times as long as the first and restarting at
/// m_mul^i times the initial rate. The period index comes from the geometric sum, as Keras computes it:
/// i = floor(log(1 - f (1 - t_mul)) / log(t_mul)) for f = step / first_decay_steps (or floor(f) when t_mul = 1).
package final class CosineDecayRestarts: LearningRateSchedule, @unchecked Sendable {
    override package class var kerasClassName: String { "CosineDecayRestarts" }
    let initial: Float, firstDecaySteps: Float, tMul: Float, mMul: Float, alpha: Float

    init(_ c: ScheduleConfig) throws {
        initial = Float(try c.number("initial_learning_rate"))
        firstDecaySteps = Float(try c.positive("first_decay_steps"))
        tMul = Float(try c.number("t_mul", default: 2))
        mMul = Float(try c.number("m_mul", default: 1))
        alpha = Float(try c.number("alpha", default: 0))
        guard tMul > 0 else { throw c.fail("t_mul", "> 0") }
        try super.init(c, keys: [("initial_learning_rate", nil), ("first_decay_steps", nil), ("t_mul", .real(2)),
                                 ("m_mul", .real(1)), ("alpha", .real(0)), ("name", "SGDRDecay")])
    }

    override package func value(at step: Int) -> Float {
        var f = Float(step) / firstDecaySteps
        let i: Float
        if tMul == 1 {
            i = f.rounded(.down)
            f -= i
        } else {
            i = (logf(1 - f * (1 - tMul)) / logf(tMul)).rounded(.down)
            let sumR = (1 - powf(tMul, i)) / (1 - tMul)
            f = (f - sumR) / powf(tMul, i)
        }
        let cosine = 0.5 * powf(mMul, i) * (1 + cosf(Float.pi * f))
        return initial * ((1 - alpha) * cosine + alpha)
    }
}
