/// `keras.layers.Permute(dims)`: reorders the non-batch axes; `dims` is 1-based, e.g. (2, 1) swaps the two.
package final class Permute: Layer, @unchecked Sendable {
    override package class var kerasClassName: String { "Permute" }
    package let dims: [Int]
    /// Row-major strides of the input, read in output-axis order; set by build.
    private var inStrides: [Int] = []

    package init(dims: [Int], name: String = "permute") throws {
        guard Set(dims) == Set(1...max(dims.count, 1)), !dims.isEmpty else {
            throw SeqNNError.invalid("Permute '\(name)': dims must be a permutation of 1...\(dims.count), found \(dims)")
        }
        self.dims = dims
        super.init(name: name)
    }

    override package func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
        guard inputShape.count == dims.count else {
            throw SeqNNError.shape("Permute '\(name)': dims \(dims) need an input of rank \(dims.count + 1), found \(describeShape(inputShape))")
        }
        var strides = [Int](repeating: 1, count: inputShape.count)
        for i in stride(from: inputShape.count - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * inputShape[i + 1] }
        inStrides = dims.map { strides[$0 - 1] }
        return dims.map { inputShape[$0 - 1] }
    }

    /// Calls `body(outIndex, inIndex)` for every element of one sample, walking the output in row-major order.
    private func walk(_ out: [Int], _ body: (Int, Int) -> Void) {
        let rank = out.count
        var idx = [Int](repeating: 0, count: rank)
        let total = out.reduce(1, *)
        var src = 0
        for o in 0..<total {
            body(o, src)
            var k = rank - 1
            while k >= 0 {
                idx[k] += 1
                src += inStrides[k]
                if idx[k] < out[k] { break }
                src -= inStrides[k] * out[k]
                idx[k] = 0
                k -= 1
            }
        }
    }

    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        guard let out = outputShape else { return }
        let per = x.rowLength
        state.output.resize(batch: x.rows, rest: out)
        for b in 0..<x.rows {
            let src = x.data + b * per, dst = state.output.data + b * per
            walk(out) { o, i in dst[o] = src[i] }
        }
    }

    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        guard needInputGrad, let out = outputShape else { return }
        let per = x.rowLength
        state.gradInput.resize(x.shape)
        for b in 0..<x.rows {
            let g = dy.data + b * per, dst = state.gradInput.data + b * per
            walk(out) { o, i in dst[i] = g[o] }
        }
    }

    override package func layerConfig() -> [(String, JSON)] { [("dims", .array(dims.map { .number(Double($0)) }))] }
}

extension Permute {
    convenience init(config c: LayerConfig) throws {
        try self.init(dims: c.ints("dims"), name: c.name ?? "permute")
    }
}
