/// `keras.layers.Dense`: output = activation(input . kernel + bias).
///
/// Like Keras, an input of rank > 2 is transformed along its last axis only: a [batch, t, in] input gives
/// [batch, t, units]. The product runs as one sgemm over all batch*t rows.
package final class Dense: Layer, @unchecked Sendable {
    override package class var kerasClassName: String { "Dense" }

    package let units: Int
    package var activation: any ActivationFunction
    package let useBias: Bool
    package var kernelInitializer: any Initializer
    package var biasInitializer: any Initializer
    package var kernelRegularizer: Regularizer?
    package var biasRegularizer: Regularizer?
    package private(set) var kernel: Parameter?
    package private(set) var bias: Parameter?

    package init(units: Int, activation: any ActivationFunction = Activations.Linear(), useBias: Bool = true,
                kernelInitializer: any Initializer = VarianceScaling.glorotUniform(seed: nil),
                biasInitializer: any Initializer = Constant(value: 0, className: "Zeros"),
                kernelRegularizer: Regularizer? = nil, biasRegularizer: Regularizer? = nil,
                name: String = "dense") throws {
        guard units > 0 else { throw SeqNNError(.invalidArgument, "Dense '\(name)': units must be a positive integer, found \(units)") }
        self.units = units
        self.activation = activation
        self.useBias = useBias
        self.kernelInitializer = kernelInitializer
        self.biasInitializer = biasInitializer
        self.kernelRegularizer = kernelRegularizer
        self.biasRegularizer = biasRegularizer
        super.init(name: name)
    }

    /// Keras: `supports_masking = True`; a mask passes through unchanged.
    override package func maskOutput(inputMask: [Int]?) throws -> MaskOutput { .passing(inputMask) }

    override package func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
        guard let inDim = inputShape.last, inDim > 0 else {
            throw SeqNNError.shape("Dense '\(name)' needs an input with a known last dimension, found \(describeShape(inputShape))")
        }
        guard Tensor.checkedElementCount([inDim, units]) != nil else {
            throw SeqNNError(.invalidArgument, "Dense '\(name)': a [\(inDim), \(units)] kernel is too large (more than \(Tensor.maxElements) weights)")
        }
        let k = Parameter(name: "kernel", shape: [inDim, units], regularizer: kernelRegularizer)
        k.overwritesGrad = true
        kernelInitializer.fill(k.value, rng: &rng)
        kernel = k
        if useBias {
            let b = Parameter(name: "bias", shape: [units], regularizer: biasRegularizer)
            biasInitializer.fill(b.value, rng: &rng)
            bias = b
        }
        params = [kernel, bias].compactMap { $0 }
        return Array(inputShape.dropLast()) + [units]
    }

    /// Built once, so the per-batch code that walks weights allocates nothing.
    private var params: [Parameter] = []
    override package var parameters: [Parameter] { params }

    override package func declaredWeightCount(inputShape: [Int]) -> Int {
        Size.sum(Size.product(inputShape.last ?? 0, units), units)
    }

    var isLinear: Bool { activation is Activations.Linear }
    /// ReLU is applied by the GEMM itself (with the bias) as each output tile leaves the registers, so z is
    /// never stored: backward takes ReLU's derivative from y, since y > 0 exactly where z > 0.
    var fusesReLU: Bool { activation is Activations.ReLU }

    // x: [rows, in] (all leading axes folded into rows); z = x W + b: [rows, units]; y = act(z).
    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        guard let kernel else { return }
        let inDim = kernel.value.shape[0]
        let rows = x.count / inDim
        let fused = isLinear || fusesReLU
        let z = fused ? state.output : state.aux
        z.resize(batch: x.rows, rest: outputShape ?? [units])
        // In inference the kernel is packed once per predict/evaluate call (Executor.beginInference) rather
        // than by every batch's product (5 % of a batch-256 predict).
        Kernels.gemm(false, false, m: rows, n: units, k: inDim, a: x.data, b: kernel.value.data, c: z.data,
                     bias: bias?.value.data, relu: fusesReLU, packedB: training ? nil : state.packedB(0))
        if !fused {
            state.output.resize(batch: x.rows, rest: outputShape ?? [units])
            activation.forward(z.data, state.output.data, rows: rows, cols: units)
        }
    }

    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        guard let kernel else { return }
        let inDim = kernel.value.shape[0]
        let rows = x.count / inDim
        // dz = dy * act'(z), computed in place in aux (aux holds z, which the activation has consumed).
        var dz = dy
        if fusesReLU {
            state.aux.resize(state.output.shape)
            activation.backward(x: state.output.data, y: state.output.data, dy: dy.data, dx: state.aux.data,
                                rows: rows, cols: units)
            dz = state.aux
        } else if !isLinear {
            activation.backward(x: state.aux.data, y: state.output.data, dy: dy.data, dx: state.aux.data,
                                rows: rows, cols: units)
            dz = state.aux
        }
        backwardLinear(x, dz: dz, state, needInputGrad: needInputGrad)
    }

    /// The product only reads x: predict may pass the caller's rows in place.
    override package var readsInputInPlace: Bool { true }

    /// z = x W + b is kept in `aux` whenever the activation is neither linear nor ReLU, so a crossentropy
    /// after this layer's softmax/sigmoid reads z (Keras's backend takes the same logits).
    override package func exposesLogits(for activation: String) -> Bool {
        self.activation.name == activation && !isLinear && !fusesReLU
    }
    override package func logits(_ x: Tensor, _ state: LayerState) -> Tensor { state.aux }
    override package func backwardFromLogits(_ x: Tensor, _ dz: Tensor, _ state: LayerState, needInputGrad: Bool) -> Tensor {
        backwardLinear(x, dz: dz, state, needInputGrad: needInputGrad)
        return state.gradInput
    }

    /// The backward pass below the activation, given dLoss/dz directly (also used by the fused
    /// softmax/sigmoid + crossentropy gradient).
    func backwardLinear(_ x: Tensor, dz: Tensor, _ state: LayerState, needInputGrad: Bool) {
        guard let kernel else { return }
        let inDim = kernel.value.shape[0]
        let rows = x.count / inDim
        if kernel.trainable {
            // dW[in, units] += x^T[in, rows] . dz[rows, units]  (= when the trainer marked it stale)
            let beta: Float = kernel.gradIsStale ? 0 : 1
            kernel.gradIsStale = false
            Kernels.gemm(true, false, m: inDim, n: units, k: rows, a: x.data, b: dz.data, beta: beta, c: kernel.grad.data)
        }
        if let bias, bias.trainable { Kernels.accumulateColumnSums(dz.data, rows: rows, cols: units, into: bias.grad.data) }
        if needInputGrad {
            // dx[rows, in] = dz[rows, units] . W^T[units, in]
            state.gradInput.resize(x.shape)
            Kernels.gemm(false, true, m: rows, n: inDim, k: units, a: dz.data, b: kernel.value.data, c: state.gradInput.data)
        }
    }

    override package func layerConfig() -> [(String, JSON)] {
        [("units", .number(Double(units))), ("activation", .string(activation.configName)), ("use_bias", .bool(useBias)),
         ("kernel_initializer", kernelInitializer.json), ("bias_initializer", biasInitializer.json),
         ("kernel_regularizer", kernelRegularizer?.json ?? .null), ("bias_regularizer", biasRegularizer?.json ?? .null),
         ("activity_regularizer", .null), ("kernel_constraint", .null), ("bias_constraint", .null)]
    }
}

extension Dense {
    convenience init(config c: LayerConfig) throws {
        try c.rejectSet(["activity_regularizer", "kernel_constraint", "bias_constraint", "lora_rank", "quantization_config"])
        guard c.has("units") else { throw c.fail("units", "a positive integer") }
        let units = try c.int("units")
        guard units > 0 else { throw c.fail("units", "a positive integer") }
        try self.init(units: units, activation: c.activation(), useBias: c.bool("use_bias", default: true),
                      kernelInitializer: c.initializer("kernel_initializer", default: VarianceScaling.glorotUniform(seed: nil)),
                      biasInitializer: c.initializer("bias_initializer", default: Constant(value: 0, className: "Zeros")),
                      kernelRegularizer: c.regularizer("kernel_regularizer"), biasRegularizer: c.regularizer("bias_regularizer"),
                      name: c.name ?? "dense")
    }
}
