/// `keras.optimizers.schedules.PiecewiseConstantDecay(boundaries, values)`: values[0] while step <= boundaries[0],
/// values[i] while boundaries[i-1] < step <= boundaries[i], values[-1] after the last boundary.
package final class PiecewiseConstantDecay: LearningRateSchedule, @unchecked Sendable {
    override package class var kerasClassName: String { "PiecewiseConstantDecay" }
    /// Keras casts the boundaries to the step's integer type (truncating), then compares.
    let boundaries: [Int]
    let values: [Float]

    init(_ c: ScheduleConfig) throws {
        let b = try c.numbers("boundaries"), v = try c.numbers("values")
        guard !b.isEmpty, v.count == b.count + 1 else {
            throw SeqNNError(.invalidArgument, "PiecewiseConstantDecay: 'values' must hold one more number than 'boundaries' (at least one); found \(b.count) boundaries and \(v.count) values")
        }
        boundaries = b.map { Int(max(min($0, 9e18), -9e18)) }
        guard zip(boundaries, boundaries.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw SeqNNError(.invalidArgument, "PiecewiseConstantDecay: 'boundaries' must be strictly increasing integers, found \(b)")
        }
        values = v.map { Float($0) }
        try super.init(c, keys: [("boundaries", nil), ("values", nil), ("name", "PiecewiseConstant")])
    }

    override package func value(at step: Int) -> Float {
        let i = boundaries.firstIndex { step <= $0 } ?? boundaries.count
        return values[i]
    }
}
