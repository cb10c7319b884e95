/// The convolution layers (`Conv1D`, `Conv2D`): output = activation(conv(input, kernel) + bias), channels_last.
///
/// Computed as im2col + one sgemm per chunk of samples: the patches of a chunk form a
/// [samples * outPositions, kH*kW*C] matrix (`state.scratch(0)`), multiplied by the kernel seen as a
/// [kH*kW*C, filters] matrix, which writes the channels_last output directly. Chunks hold at most
/// `maxColumnFloats` floats (at least one sample), so the buffer stays bounded for large batches; the
/// buffers are resized per batch size and reused. A pointwise (1x1, stride 1, unpadded) convolution skips
/// im2col. Keras's kernel layout [k..., in_channels, filters] is exactly that matrix in row-major order.
public class BaseConv: Layer, @unchecked Sendable {
    /// 1 (Conv1D) or 2 (Conv2D).
    public let rank: Int
    public let filters: Int
    public let kernelSize: [Int]
    public let strides: [Int]
    public let padding: ConvPadding
    public let dilationRate: [Int]
    public var activation: any ActivationFunction
    public let useBias: Bool
    public var kernelInitializer: any Initializer
    public var biasInitializer: any Initializer
    public var kernelRegularizer: Regularizer?
    public var biasRegularizer: Regularizer?
    public private(set) var kernel: Parameter?
    public private(set) var bias: Parameter?
    /// Fixed by `build`.
    public private(set) var geometry: WindowGeometry?

    /// The largest im2col buffer, in floats (default 2^22 = 16 MiB); a batch is processed in chunks of
    /// whole samples that fit (at least one sample per chunk). Set before use; tests lower it to force chunking.
    public var maxColumnFloats = 1 << 22

    init(rank: Int, filters: Int, kernelSize: [Int], strides: [Int], padding: ConvPadding, dilationRate: [Int],
         activation: any ActivationFunction, useBias: Bool, kernelInitializer: any Initializer,
         biasInitializer: any Initializer, kernelRegularizer: Regularizer?, biasRegularizer: Regularizer?,
         name: String) throws {
        let cls = rank == 1 ? "Conv1D" : "Conv2D"
        func bad(_ what: String) -> SeqNNError { SeqNNError(.invalidArgument, "\(cls) '\(name)': \(what)") }
        guard filters > 0 else { throw bad("filters must be a positive integer, found \(filters)") }
        guard kernelSize.count == rank, kernelSize.allSatisfy({ $0 > 0 }) else {
            throw bad("kernel_size must be \(rank) positive integer(s), found \(kernelSize)")
        }
        guard strides.count == rank, strides.allSatisfy({ $0 > 0 }) else {
            throw bad("strides must be \(rank) positive integer(s), found \(strides)")
        }
        guard dilationRate.count == rank, dilationRate.allSatisfy({ $0 > 0 }) else {
            throw bad("dilation_rate must be \(rank) positive integer(s), found \(dilationRate)")
        }
        // Keras (BaseConv.__init__) refuses this combination too; TensorFlow has no kernel for it.
        guard strides.max()! == 1 || dilationRate.max()! == 1 else {
            throw bad("strides > 1 is not supported in conjunction with dilation_rate > 1 (strides \(strides), dilation_rate \(dilationRate)), as in Keras")
        }
        guard padding != .causal || rank == 1 else { throw bad("padding 'causal' is only supported by Conv1D") }
        self.rank = rank
        self.filters = filters
        self.kernelSize = kernelSize
        self.strides = strides
        self.padding = padding
        self.dilationRate = dilationRate
        self.activation = activation
        self.useBias = useBias
        self.kernelInitializer = kernelInitializer
        self.biasInitializer = biasInitializer
        self.kernelRegularizer = kernelRegularizer
        self.biasRegularizer = biasRegularizer
        super.init(name: name)
    }

    override public func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
        let label = "\(kerasClassName) '\(name)'"
        let g = try WindowGeometry.make(inputShape: inputShape, kernel: kernelSize, strides: strides,
                                        dilation: dilationRate, padding: padding, label: label)
        let kshape = kernelSize + [g.channels, filters]
        guard Tensor.checkedElementCount(kshape) != nil else {
            throw SeqNNError(.invalidArgument, "\(label): a \(kshape) kernel is too large (more than \(Tensor.maxElements) weights)")
        }
        let k = Parameter(name: "kernel", shape: kshape, regularizer: kernelRegularizer)
        kernelInitializer.fill(k.value, rng: &rng)
        kernel = k
        if useBias {
            let b = Parameter(name: "bias", shape: [filters], regularizer: biasRegularizer)
            biasInitializer.fill(b.value, rng: &rng)
            bias = b
        }
        params = [kernel, bias].compactMap { $0 }
        geometry = g
        patchShape = [g.patchSize]
        return (rank == 1 ? [g.outW] : [g.outH, g.outW]) + [filters]
    }

    /// Built once, so the per-batch code allocates nothing.
    private var params: [Parameter] = []
    private var patchShape: [Int] = []
    override public var parameters: [Parameter] { params }

    var isLinear: Bool { activation is Activations.Linear }

    /// Samples per im2col chunk for a batch of `n`.
    func chunkSamples(_ n: Int, _ g: WindowGeometry) -> Int {
        max(1, min(n, maxColumnFloats / max(1, g.outPositions * g.patchSize)))
    }

    // x: [N, inH, inW, C] -> z = im2col(x) . kernel[kH*kW*C, F] + bias: [N, outH, outW, F]; y = act(z)
    override public func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        guard let kernel, let g = geometry, let outShape = outputShape else { return }
        let n = x.rows, positions = g.outPositions, k = g.patchSize
        let z = isLinear ? state.output : state.aux
        z.resize(batch: n, rest: outShape)
        if g.isPointwise {
            Kernels.gemm(false, false, m: n * positions, n: filters, k: k, a: x.data, b: kernel.value.data, c: z.data)
        } else {
            let chunk = chunkSamples(n, g)
            let cols = state.scratch(0)
            cols.resize(batch: chunk * positions, rest: patchShape)
            var s0 = 0
            while s0 < n {
                let nc = min(chunk, n - s0)
                ConvKernels.im2col(x.data + s0 * g.inSize, samples: nc, g, cols.data)
                Kernels.gemm(false, false, m: nc * positions, n: filters, k: k, a: cols.data, b: kernel.value.data,
                             c: z.data + s0 * positions * filters)
                s0 += nc
            }
        }
        if let bias { Kernels.addRowVector(z.data, rows: n * positions, cols: filters, bias.value.data) }
        if !isLinear {
            state.output.resize(batch: n, rest: outShape)
            activation.forward(z.data, state.output.data, rows: n * positions, cols: filters)
        }
    }

    override public func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        guard let kernel, let g = geometry else { return }
        let n = x.rows, rows = n * g.outPositions
        var dz = dy
        if !isLinear {   // dz = dy * act'(z), in place in aux (which holds z)
            activation.backward(x: state.aux.data, y: state.output.data, dy: dy.data, dx: state.aux.data,
                                rows: rows, cols: filters)
            dz = state.aux
        }
        if let bias, bias.trainable { Kernels.accumulateColumnSums(dz.data, rows: rows, cols: filters, into: bias.grad.data) }
        let kernelGrad = kernel.trainable
        if needInputGrad { state.gradInput.resize(x.shape) }
        guard kernelGrad || needInputGrad else { return }
        let k = g.patchSize
        if g.isPointwise {
            // dW[k, F] += x^T . dz ; dx[rows, k] = dz . W^T
            if kernelGrad { Kernels.gemm(true, false, m: k, n: filters, k: rows, a: x.data, b: dz.data, beta: 1, c: kernel.grad.data) }
            if needInputGrad { Kernels.gemm(false, true, m: rows, n: k, k: filters, a: dz.data, b: kernel.value.data, c: state.gradInput.data) }
            return
        }
        let chunk = chunkSamples(n, g), positions = g.outPositions
        // With one chunk, scratch(0) still holds this batch's im2col from the forward pass.
        let colsValid = chunk >= n
        let cols = state.scratch(0), dcols = state.scratch(1)
        if needInputGrad {
            state.gradInput.fill(0)
            dcols.resize(batch: chunk * positions, rest: patchShape)
        }
        var s0 = 0
        while s0 < n {
            let nc = min(chunk, n - s0)
            let dzc = dz.data + s0 * positions * filters
            if kernelGrad {
                if !colsValid {
                    cols.resize(batch: chunk * positions, rest: patchShape)
                    ConvKernels.im2col(x.data + s0 * g.inSize, samples: nc, g, cols.data)
                }
                // dW[k, F] += cols^T[k, rows] . dz[rows, F]
                Kernels.gemm(true, false, m: k, n: filters, k: nc * positions, a: cols.data, b: dzc, beta: 1, c: kernel.grad.data)
            }
            if needInputGrad {
                // dcols[rows, k] = dz[rows, F] . W^T[F, k]; dx += col2im(dcols)
                Kernels.gemm(false, true, m: nc * positions, n: k, k: filters, a: dzc, b: kernel.value.data, c: dcols.data)
                ConvKernels.col2im(dcols.data, samples: nc, g, state.gradInput.data + s0 * g.inSize)
            }
            s0 += nc
        }
    }

    override public func layerConfig() -> [(String, JSON)] {
        [("filters", .number(Double(filters))), ("kernel_size", jsonInts(kernelSize)), ("strides", jsonInts(strides)),
         ("padding", .string(padding.rawValue)), ("data_format", "channels_last"), ("dilation_rate", jsonInts(dilationRate)),
         ("groups", 1), ("activation", .string(activation.configName)), ("use_bias", .bool(useBias)),
         ("kernel_initializer", kernelInitializer.json), ("bias_initializer", biasInitializer.json),
         ("kernel_regularizer", kernelRegularizer?.json ?? .null), ("bias_regularizer", biasRegularizer?.json ?? .null),
         ("activity_regularizer", .null), ("kernel_constraint", .null), ("bias_constraint", .null)]
    }
}

/// The arguments Conv1D and Conv2D read from a Keras config (both dialects: ints or lists per axis).
struct ConvConfig {
    var filters: Int
    var kernelSize: [Int]
    var strides: [Int]
    var padding: ConvPadding
    var dilationRate: [Int]
    var activation: any ActivationFunction
    var useBias: Bool
    var kernelInitializer: any Initializer
    var biasInitializer: any Initializer
    var kernelRegularizer: Regularizer?
    var biasRegularizer: Regularizer?

    init(_ c: LayerConfig, rank: Int) throws {
        try c.rejectSet(["activity_regularizer", "kernel_constraint", "bias_constraint", "lora_rank", "quantization_config"])
        try c.requireChannelsLast()
        let groups = try c.int("groups", default: 1)
        guard groups == 1 else {
            throw SeqNNError(.unsupported, "\(c.label): groups = \(groups) (grouped convolution) is not supported by SeqNN")
        }
        guard c.has("filters") else { throw c.fail("filters", "a positive integer") }
        filters = try c.int("filters")
        guard filters > 0 else { throw c.fail("filters", "a positive integer") }
        kernelSize = try c.spatial("kernel_size", rank: rank, default: nil)
        strides = try c.spatial("strides", rank: rank, default: Array(repeating: 1, count: rank))
        padding = try c.convPadding(allowCausal: rank == 1)
        dilationRate = try c.spatial("dilation_rate", rank: rank, default: Array(repeating: 1, count: rank))
        activation = try c.activation()
        useBias = try c.bool("use_bias", default: true)
        kernelInitializer = try c.initializer("kernel_initializer", default: VarianceScaling.glorotUniform(seed: nil))
        biasInitializer = try c.initializer("bias_initializer", default: Constant(value: 0, className: "Zeros"))
        kernelRegularizer = try c.regularizer("kernel_regularizer")
        biasRegularizer = try c.regularizer("bias_regularizer")
    }
}
