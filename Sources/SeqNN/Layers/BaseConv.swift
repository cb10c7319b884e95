import CSeqNNKernels

/// The convolution layers (`Conv1D`, `Conv2D`): output = activation(conv(input, kernel) + bias), channels_last.
///
/// Computed as im2col + one sgemm per chunk of samples: the patches of a chunk form a
/// [samples * outPositions, kH*kW*C] matrix (`Buffer.columns`), multiplied by the kernel seen as a
/// [kH*kW*C, filters] matrix, which writes the channels_last output directly. Chunks hold at most
/// `maxColumnFloats` floats (at least one sample), so the buffer stays bounded for large batches; the
/// buffers are resized per batch size and reused. A pointwise (1x1, stride 1, unpadded) convolution skips
/// im2col. Keras's kernel layout [k..., in_channels, filters] is exactly that matrix in row-major order.
/// Within a chunk, GEMM and the bias/activation passes run per L2-sized tile of samples (`tileFloats`).
///
/// Fast paths, each checked against this one and the reference convolution in ConvTests:
/// - few input values per output (`usesDirect`: e.g. 3x3 on one channel) on an AVX-512 CPU: a direct
///   convolution with bias and ReLU in registers (CSeqNNKernels/conv_direct.c);
/// - that, as a model's first trainable layer followed by a tiled max pooling: both layers in one pass
///   that never stores this layer's output (`forwardPooled`, CSeqNNKernels/conv_pool.c).
package class BaseConv: Layer, @unchecked Sendable {
    /// Per-pass buffers: the im2col matrix and its gradient, dLoss/dz (when the activation is applied
    /// apart), and the convolution rows of one pooling row (`forwardPooled`).
    enum Buffer: Int, BufferName { case columns, columnGrads, dz, poolRows }

    /// 1 (Conv1D) or 2 (Conv2D).
    package let rank: Int
    package let filters: Int
    package let kernelSize: [Int]
    package let strides: [Int]
    package let padding: ConvPadding
    package let dilationRate: [Int]
    package var activation: any ActivationFunction
    package let useBias: Bool
    package var kernelInitializer: any Initializer
    package var biasInitializer: any Initializer
    package var kernelRegularizer: Regularizer?
    package var biasRegularizer: Regularizer?
    package private(set) var kernel: Parameter?
    package private(set) var bias: Parameter?
    /// Fixed by `build`.
    package private(set) var geometry: WindowGeometry?

    /// The largest im2col buffer, in floats (default 2^22 = 16 MiB); a batch is processed in chunks of
    /// whole samples that fit (at least one sample per chunk). Set before use; tests lower it to force chunking.
    package var maxColumnFloats = 1 << 22

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

    override package func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
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
        filterShape = [filters]
        geometry = g
        patchShape = [g.patchSize]
        return (rank == 1 ? [g.outW] : [g.outH, g.outW]) + [filters]
    }

    /// Built once, so the per-batch code allocates nothing.
    private var params: [Parameter] = []
    private var patchShape: [Int] = []
    private var filterShape: [Int] = []
    override package var parameters: [Parameter] { params }

    override package func declaredWeightCount(inputShape: [Int]) -> Int {
        Size.sum(Size.product([Size.product(kernelSize), inputShape.last ?? 0, filters]), filters)
    }

    var isLinear: Bool { activation is Activations.Linear }
    /// ReLU is applied in place on the output: relu'(z) = (y > 0), so no pre-activation needs keeping.
    var isReLU: Bool { activation is Activations.ReLU }

    /// The most floats one tile of samples may touch (its im2col rows, outputs and output gradients);
    /// default 2^18 = 1 MiB, half the L2 of one core. The GEMM, the bias + activation pass and the
    /// activation-gradient pass run per tile, so each pass finds the previous one's result in cache
    /// instead of streaming the whole batch (5.5 MB for the benchmark CNN) through memory several times.
    package var tileFloats = 1 << 18

    /// Whether the direct AVX-512 kernels may run when they apply (`usesDirect`); tests turn them off to
    /// check the im2col path on the same shapes.
    package var directKernels = true

    /// A few input values per output (kH*kW*C <= 32, e.g. 3x3 on one channel), 16 to 64 filters in steps
    /// of 16, ReLU or no activation, and a CPU with AVX-512: the direct convolution replaces im2col + GEMM
    /// + epilogue (K = 9 is a poor GEMM), and its backward takes the kernel and bias gradients straight
    /// from dy and y without a dz buffer.
    func usesDirect(_ g: WindowGeometry) -> Bool {
        directKernels && ConvKernels.hasAVX512 && (isReLU || isLinear) && filters % 16 == 0 && filters <= 64
            && g.patchSize <= 32
    }

    /// Samples per im2col chunk for a batch of `n`.
    func chunkSamples(_ n: Int, _ g: WindowGeometry) -> Int {
        max(1, min(n, maxColumnFloats / max(1, g.outPositions * g.patchSize)))
    }

    /// Samples per cache tile within a chunk of `chunk` samples.
    func tileSamples(_ chunk: Int, _ g: WindowGeometry) -> Int {
        max(1, min(chunk, tileFloats / max(1, g.outPositions * (g.patchSize + 2 * filters))))
    }

    /// Calls `body(first, count, colsOffset)` for every tile of a batch of `n`, chunk by chunk; `colsOffset`
    /// is the tile's first row in the im2col buffer, which holds one chunk.
    func forEachTile(_ n: Int, _ g: WindowGeometry, _ body: (Int, Int, Int) -> Void) {
        let chunk = chunkSamples(n, g), tile = tileSamples(chunk, g)
        var s0 = 0
        while s0 < n {
            let nc = min(chunk, n - s0)
            var t0 = 0
            while t0 < nc {
                let nt = min(tile, nc - t0)
                body(s0 + t0, nt, t0 * g.outPositions)
                t0 += nt
            }
            s0 += nc
        }
    }

    // x: [N, inH, inW, C] -> z = im2col(x) . kernel[kH*kW*C, F] + bias: [N, outH, outW, F]; y = act(z)
    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        guard let kernel, let g = geometry, let outShape = outputShape else { return }
        let n = x.rows, positions = g.outPositions, k = g.patchSize, f = filters
        let inPlace = isLinear || isReLU
        let z = inPlace ? state.output : state.aux
        z.resize(batch: n, rest: outShape)
        if usesDirect(g) {
            var w = g.kernelWindow
            SeqNNKernels_conv_direct_forward(x.data, Int32(n), &w, kernel.value.data, bias?.value.data, Int32(f),
                                             isReLU ? 1 : 0, z.data)
            return
        }
        if !inPlace { state.output.resize(batch: n, rest: outShape) }
        let cols = state.buffer(Buffer.columns)
        if !g.isPointwise { cols.resize(batch: chunkSamples(n, g) * positions, rest: patchShape) }
        forEachTile(n, g) { first, count, colRow in
            let rows = count * positions, zt = z.data + first * positions * f
            var a = UnsafePointer(x.data + first * g.inSize)
            if !g.isPointwise {
                ConvKernels.im2col(a, samples: count, g, cols.data + colRow * k)
                a = UnsafePointer(cols.data + colRow * k)
            }
            // The GEMM adds the bias and applies a ReLU to each tile while it is in registers.
            Kernels.gemm(false, false, m: rows, n: f, k: k, a: a, b: kernel.value.data, c: zt,
                         bias: bias?.value.data, relu: isReLU)
            if !inPlace { activation.forward(zt, state.output.data + first * positions * f, rows: rows, cols: f) }
        }
    }

    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        guard let kernel, let g = geometry else { return }
        let n = x.rows, positions = g.outPositions, k = g.patchSize, f = filters
        let kernelGrad = kernel.trainable, biasGrad = bias.map { $0.trainable ? $0.grad.data : nil } ?? nil
        if needInputGrad { state.gradInput.resize(x.shape) }
        guard kernelGrad || needInputGrad || biasGrad != nil else { return }
        let direct = usesDirect(g)
        if direct && !needInputGrad {
            var w = g.kernelWindow
            SeqNNKernels_conv_direct_backward(x.data, dy.data, state.output.data, Int32(n), &w, Int32(f), isReLU ? 1 : 0,
                                              kernelGrad ? kernel.grad.data : nil, biasGrad)
            return
        }
        let tile = tileSamples(chunkSamples(n, g), g)
        // With one chunk, `Buffer.columns` still holds this batch's im2col from the forward pass (unless direct).
        let colsValid = chunkSamples(n, g) >= n && !direct
        let cols = state.buffer(Buffer.columns), dcols = state.buffer(Buffer.columnGrads), dzBuf = state.buffer(Buffer.dz)
        if !isLinear { dzBuf.resize(batch: tile * positions, rest: filterShape) }
        if needInputGrad && !g.isPointwise {
            state.gradInput.fill(0)   // col2im accumulates: windows may overlap
            dcols.resize(batch: tile * positions, rest: patchShape)
        }
        forEachTile(n, g) { first, count, colRow in
            let rows = count * positions, off = first * positions * f
            // dz = dy * act'(z) for this tile, and the bias gradient's column sums
            var dz = UnsafePointer(dy.data + off)
            if isReLU {
                ConvKernels.reluGradient(dy.data + off, y: state.output.data + off, dz: dzBuf.data, rows: rows, cols: f, columnSums: biasGrad)
                dz = UnsafePointer(dzBuf.data)
            } else {
                if !isLinear {
                    activation.backward(x: state.aux.data + off, y: state.output.data + off, dy: dy.data + off,
                                        dx: dzBuf.data, rows: rows, cols: f)
                    dz = UnsafePointer(dzBuf.data)
                }
                if let biasGrad { Kernels.accumulateColumnSums(dz, rows: rows, cols: f, into: biasGrad) }
            }
            let xt = x.data + first * g.inSize
            if kernelGrad {
                var a = UnsafePointer(xt)
                if !g.isPointwise {
                    if !colsValid {
                        cols.resize(batch: chunkSamples(n, g) * positions, rest: patchShape)
                        ConvKernels.im2col(xt, samples: count, g, cols.data + colRow * k)
                    }
                    a = UnsafePointer(cols.data + colRow * k)
                }
                // dW[k, F] += cols^T[k, rows] . dz[rows, F]
                Kernels.gemm(true, false, m: k, n: f, k: rows, a: a, b: dz, beta: 1, c: kernel.grad.data)
            }
            guard needInputGrad else { return }
            // dcols[rows, k] = dz[rows, F] . W^T[F, k]; dx += col2im(dcols) (pointwise: dcols is dx)
            let dxt = state.gradInput.data + first * g.inSize
            Kernels.gemm(false, true, m: rows, n: k, k: f, a: dz, b: kernel.value.data, c: g.isPointwise ? dxt : dcols.data)
            if !g.isPointwise { ConvKernels.col2im(dcols.data, samples: count, g, dxt) }
        }
    }

    // MARK: - With the max pooling after it, in one pass

    /// Whether this layer and `pool`, the layer after it, can run as one pass (`forwardPooled`): the
    /// direct kernels apply, and the pooling takes its AVX-512 tiled path on exactly this layer's output.
    package func fusesWith(_ pool: BasePooling) -> Bool {
        guard let g = geometry, usesDirect(g), pool.usesTiledMax, pool.avx512 else { return false }
        return pool.inputShape == outputShape
    }

    override package func fuses(with next: Layer) -> Bool { (next as? BasePooling).map(fusesWith) ?? false }

    override package func forwardFused(with next: Layer, _ x: Tensor, _ state: LayerState, _ nextState: LayerState,
                                      training: Bool, rng: inout SeededGenerator) {
        guard let pool = next as? BasePooling else {
            return super.forwardFused(with: next, x, state, nextState, training: training, rng: &rng)
        }
        forwardPooled(x, pool, state, nextState, training: training, rng: &rng)
    }

    override package func backwardFused(with next: Layer, _ x: Tensor, _ dy: Tensor, _ state: LayerState, _ nextState: LayerState) {
        guard let pool = next as? BasePooling else { return super.backwardFused(with: next, x, dy, state, nextState) }
        backwardPooled(x, dy, pool, state, nextState, needInputGrad: false)
    }

    // x: [N, inH, inW, C] -> poolState.output: [N, pooled..., F] and the pooling's argmax bytes;
    // state.output (this layer's own output) is not computed.
    /// This layer's forward and `pool`'s in one pass that never stores the convolution's output (see
    /// CSeqNNKernels/conv_pool.c); the same values as the two forwards. Falls back to them when the
    /// pair does not fuse.
    func forwardPooled(_ x: Tensor, _ pool: BasePooling, _ state: LayerState, _ poolState: LayerState,
                       training: Bool, rng: inout SeededGenerator) {
        guard fusesWith(pool), let kernel, let g = geometry, let pg = pool.geometry, let poolShape = pool.outputShape else {
            forward(x, state, training: training, rng: &rng)
            pool.forward(state.output, poolState, training: training, rng: &rng)
            return
        }
        let n = x.rows
        poolState.output.resize(batch: n, rest: poolShape)
        let rows = state.buffer(Buffer.poolRows)
        rows.resize(batch: pg.kH * g.outW, rest: filterShape)
        var w = g.kernelWindow, pw = pg.kernelWindow
        SeqNNKernels_conv_pool_forward(x.data, Int32(n), &w, kernel.value.data, bias?.value.data, Int32(filters),
                                       isReLU ? 1 : 0, &pw, rows.data, poolState.output.data, pool.argmax(poolState, samples: n))
    }

    /// The backward of `forwardPooled` given dLoss/d(pooled output): this layer's kernel and bias
    /// gradients; no input gradient (`pooledPair` fuses only a first trainable layer). Falls back to the
    /// two backwards when the pair does not fuse (then `forwardPooled` ran the two forwards too).
    func backwardPooled(_ x: Tensor, _ dy: Tensor, _ pool: BasePooling, _ state: LayerState, _ poolState: LayerState,
                        needInputGrad: Bool) {
        guard fusesWith(pool), !needInputGrad, let kernel, let g = geometry, let pg = pool.geometry else {
            pool.backward(state.output, dy, poolState, needInputGrad: true)
            backward(x, poolState.gradInput, state, needInputGrad: needInputGrad)
            return
        }
        let biasGrad = bias.map { $0.trainable ? $0.grad.data : nil } ?? nil
        var w = g.kernelWindow, pw = pg.kernelWindow
        SeqNNKernels_conv_pool_backward(x.data, dy.data, poolState.output.data, pool.argmax(poolState, samples: x.rows),
                                        Int32(x.rows), &w, &pw, Int32(filters), isReLU ? 1 : 0,
                                        kernel.trainable ? kernel.grad.data : nil, biasGrad)
    }

    override package func layerConfig() -> [(String, JSON)] {
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
