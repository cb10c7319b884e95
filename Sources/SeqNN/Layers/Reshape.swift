/// `keras.layers.Reshape(target_shape)`: a new per-sample shape with the same element count;
/// one dimension may be -1 and is then inferred, as in Keras.
package final class Reshape: Layer, @unchecked Sendable {
    override package class var kerasClassName: String { "Reshape" }
    package let targetShape: [Int]

    package init(targetShape: [Int], name: String = "reshape") throws {
        guard targetShape.allSatisfy({ $0 > 0 || $0 == -1 }), targetShape.filter({ $0 == -1 }).count <= 1 else {
            throw SeqNNError(.invalidArgument,
                             "Reshape '\(name)': target_shape must hold positive sizes and at most one -1, found \(targetShape)")
        }
        self.targetShape = targetShape
        super.init(name: name)
    }

    override package func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
        let total = inputShape.reduce(1, *)
        guard let known = Tensor.checkedElementCount(targetShape.filter { $0 != -1 }) else {
            throw SeqNNError.shape("Reshape '\(name)': target_shape \(targetShape) is too large for input \(describeShape(inputShape)) (\(total) values)")
        }
        var out = targetShape
        if let i = out.firstIndex(of: -1) {
            guard known > 0, total % known == 0 else {
                throw SeqNNError.shape("Reshape '\(name)': cannot reshape \(describeShape(inputShape)) (\(total) values) to \(targetShape)")
            }
            out[i] = total / known
        }
        guard out.reduce(1, *) == total else {
            throw SeqNNError.shape("Reshape '\(name)': total size of new array must be unchanged: input \(describeShape(inputShape)) has \(total) values, target_shape \(targetShape) has \(known)")
        }
        return out
    }

    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        state.output.resize(batch: x.rows, rest: outputShape ?? [x.rowLength])
        state.output.data.update(from: x.data, count: x.count)
    }

    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        guard needInputGrad else { return }
        state.gradInput.resize(x.shape)
        state.gradInput.data.update(from: dy.data, count: x.count)
    }

    override package func layerConfig() -> [(String, JSON)] {
        [("target_shape", .array(targetShape.map { .number(Double($0)) }))]
    }
}

extension Reshape {
    convenience init(config c: LayerConfig) throws {
        try self.init(targetShape: c.ints("target_shape"), name: c.name ?? "reshape")
    }
}
