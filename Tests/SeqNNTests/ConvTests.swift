// Conv1D / Conv2D: the im2col + sgemm path against the plain-loop reference convolution (forward and
// all three gradients), finite-difference gradient checks with fused activations, TensorFlow's padding
// rule, configs in both Keras dialects, and a small CNN trained end to end.
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SeqNN
import SeqNNTestSupport

struct ConvCase: CustomTestStringConvertible, Sendable {
    let rank: Int
    let input: [Int]        // per sample, channels last
    let filters: Int
    let kernel: [Int]
    var strides: [Int]? = nil
    var dilation: [Int]? = nil
    var padding: ConvPadding = .valid
    var testDescription: String {
        "\(rank)D in=\(input) f=\(filters) k=\(kernel) s=\(strides ?? []) d=\(dilation ?? []) \(padding.rawValue)"
    }

    func make(activation: String = "linear", useBias: Bool = true) throws -> BaseConv {
        let act = try Activations.named(activation)
        let bias = RandomUniform(minval: -0.5, maxval: 0.5)
        if rank == 1 {
            return try Conv1D(filters: filters, kernelSize: kernel[0], strides: strides?[0] ?? 1, padding: padding,
                              dilationRate: dilation?[0] ?? 1, activation: act, useBias: useBias, biasInitializer: bias)
        }
        return try Conv2D(filters: filters, kernelSize: kernel, strides: strides ?? [1, 1], padding: padding,
                          dilationRate: dilation ?? [1, 1], activation: act, useBias: useBias, biasInitializer: bias)
    }
}

let convCases: [ConvCase] = [
    ConvCase(rank: 2, input: [5, 6, 2], filters: 3, kernel: [3, 3]),
    ConvCase(rank: 2, input: [6, 6, 2], filters: 3, kernel: [3, 3], padding: .same),
    ConvCase(rank: 2, input: [6, 7, 3], filters: 2, kernel: [2, 3], padding: .same),
    ConvCase(rank: 2, input: [7, 7, 2], filters: 2, kernel: [3, 3], strides: [2, 2]),
    ConvCase(rank: 2, input: [8, 8, 1], filters: 2, kernel: [3, 3], strides: [2, 2], padding: .same),
    ConvCase(rank: 2, input: [6, 8, 2], filters: 3, kernel: [4, 2], strides: [2, 3], padding: .same),
    ConvCase(rank: 2, input: [8, 8, 2], filters: 2, kernel: [3, 3], dilation: [2, 2]),
    ConvCase(rank: 2, input: [7, 8, 2], filters: 2, kernel: [2, 3], dilation: [1, 2], padding: .same),
    ConvCase(rank: 2, input: [4, 5, 3], filters: 4, kernel: [1, 1]),                 // pointwise fast path
    ConvCase(rank: 2, input: [5, 5, 2], filters: 2, kernel: [1, 1], strides: [2, 2]), // 1x1 but strided
    ConvCase(rank: 2, input: [3, 3, 2], filters: 2, kernel: [5, 5], padding: .same),  // kernel larger than input
    ConvCase(rank: 1, input: [10, 2], filters: 3, kernel: [3]),
    ConvCase(rank: 1, input: [9, 3], filters: 2, kernel: [4], strides: [2], padding: .same),
    ConvCase(rank: 1, input: [9, 2], filters: 3, kernel: [3], dilation: [2], padding: .causal),
    ConvCase(rank: 1, input: [8, 3], filters: 2, kernel: [4], strides: [3], padding: .causal),
    ConvCase(rank: 1, input: [7, 2], filters: 2, kernel: [3], dilation: [3], padding: .same),
    ConvCase(rank: 1, input: [6, 4], filters: 3, kernel: [1]),
]

/// Wider filter counts for the vectorised epilogues (8 filters per SIMD step, a scalar tail): the
/// benchmark CNN's layer on a small image, and an odd count with channels, stride and 'same' padding.
let convReferenceCases = convCases + [
    ConvCase(rank: 2, input: [9, 8, 1], filters: 32, kernel: [3, 3]),
    ConvCase(rank: 2, input: [7, 6, 3], filters: 11, kernel: [3, 2], strides: [2, 1], padding: .same),
    ConvCase(rank: 1, input: [9, 5], filters: 17, kernel: [3], padding: .same),
    // Shapes the direct AVX-512 kernels take (kH*kW*C <= 32, filters 16..64 in steps of 16):
    ConvCase(rank: 2, input: [11, 13, 1], filters: 16, kernel: [3, 3], strides: [2, 2], padding: .same),
    ConvCase(rank: 2, input: [10, 9, 2], filters: 48, kernel: [3, 2], dilation: [2, 1], padding: .same),
    ConvCase(rank: 2, input: [6, 7, 8], filters: 64, kernel: [2, 2], strides: [1, 2]),
    ConvCase(rank: 2, input: [3, 4, 1], filters: 32, kernel: [5, 5], padding: .same),
    ConvCase(rank: 1, input: [12, 3], filters: 16, kernel: [5], padding: .causal),
    ConvCase(rank: 2, input: [5, 17, 1], filters: 32, kernel: [3, 3], padding: .same),   // edge, 8-, 4-blocks, edge
]

/// Runs forward then backward with dy = r and returns the layer state.
@discardableResult
func forwardBackward(_ layer: Layer, _ x: Tensor, _ r: [Float], training: Bool = true) -> LayerState {
    let state = LayerState()
    var rng = SeededGenerator(seed: 0)
    layer.forward(x, state, training: training, rng: &rng)
    for p in layer.parameters where p.trainsByDefault { p.grad.fill(0) }
    layer.backward(x, Tensor(shape: state.output.shape, values: r), state, needInputGrad: true)
    return state
}

/// Central finite differences of sum(y * r) w.r.t. the input and every weight, against backward.
func expectGradientsMatchFiniteDifferences(_ layer: Layer, _ x: Tensor, rtol: Double = 3e-3, atol: Double = 1e-3,
                                           _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let probe = LayerState()
    var g = SeededGenerator(seed: 0)
    layer.forward(x, probe, training: true, rng: &g)
    var rr = TestRandom(77)
    let r = rr.floats(probe.output.count, -1, 1)
    let state = forwardBackward(layer, x, r)
    #expect(state.gradInput.shape == x.shape, "\(what): gradInput shape", sourceLocation: sourceLocation)
    func objective() -> Double {
        let s = LayerState()
        var g = SeededGenerator(seed: 0)
        layer.forward(x, s, training: true, rng: &g)
        return dot(s.output, r)
    }
    expectClose(state.gradInput.doubles, numericGradient(x.data, count: x.count, objective), rtol: rtol, atol: atol,
                "\(what) input", sourceLocation: sourceLocation)
    for p in layer.parameters {
        expectClose(p.grad.doubles, numericGradient(p.value.data, count: p.value.count, objective), rtol: rtol, atol: atol,
                    "\(what) \(p.name)", sourceLocation: sourceLocation)
    }
}

struct ConvTests {
    /// The im2col + sgemm path, tile by tile, with its fused epilogues (bias + ReLU in one pass, ReLU's
    /// gradient from the output fused with the bias gradient), against the reference convolution.
    /// Layouts: the direct AVX-512 kernels (where they apply and the CPU has them), and im2col with the
    /// whole batch in one tile, one sample per tile within one im2col chunk, one sample per chunk.
    @Test(arguments: convReferenceCases)
    func im2colGemmMatchesReferenceConvolution(_ c: ConvCase) throws {
        let batch = 3
        for act in ["linear", "relu"] {
            for layout in ["direct", "one tile", "tiled", "chunked"] {
                let conv = try built(c.make(activation: act), c.input, seed: 3)
                conv.directKernels = layout == "direct"
                if layout == "direct" && !conv.usesDirect(conv.geometry!) { continue }
                if layout == "tiled" || layout == "chunked" { conv.tileFloats = 1 }
                if layout == "chunked" { conv.maxColumnFloats = 1 }
                expectMatchesReference(conv, c, batch: batch, "\(c.testDescription) \(act) \(layout)")
            }
        }
    }

    /// The benchmark CNN's layer takes the direct kernels on an AVX-512 CPU; other activations, filter
    /// counts and wide patches keep im2col + GEMM.
    @Test func directKernelsTakeFewChannelLayersOnly() throws {
        func direct(_ c: ConvCase, _ act: String = "relu") throws -> Bool {
            let conv = try built(c.make(activation: act), c.input)
            return conv.usesDirect(conv.geometry!)
        }
        let w4 = ConvCase(rank: 2, input: [28, 28, 1], filters: 32, kernel: [3, 3])
        #expect(try direct(w4) == ConvKernels.hasAVX512)
        #expect(try !direct(w4, "tanh"))
        #expect(try !direct(ConvCase(rank: 2, input: [28, 28, 1], filters: 24, kernel: [3, 3])))
        #expect(try !direct(ConvCase(rank: 2, input: [28, 28, 4], filters: 32, kernel: [3, 3])))   // 36 values per patch
        #expect(try !direct(ConvCase(rank: 2, input: [28, 28, 1], filters: 80, kernel: [3, 3])))
    }

    /// A model's first trainable Conv2D (direct kernels) trains in one pass with the MaxPooling2D after
    /// it. Three Adam steps must give the losses and weights of the two layers run apart (direct
    /// convolution + Swift pooling loops) and of the im2col path, on odd sizes, 'same' padding, strides,
    /// pooling gaps and leftovers, a linear convolution, and a layer in front of the pair.
    @Test func convFusedWithMaxPoolingTrainsLikeTheLayersApart() throws {
        struct Pair { var input: [Int]; var filters: Int; var kernel: [Int]; var strides = [1, 1]; var padding = ConvPadding.valid
                      var pool = [2, 2]; var poolStrides: [Int]? = nil; var poolPadding = ConvPadding.valid
                      var activation = "relu"; var padFirst = false }
        let pairs = [
            Pair(input: [12, 11, 1], filters: 32, kernel: [3, 3]),                                   // W4's shape, a leftover column
            Pair(input: [9, 9, 2], filters: 16, kernel: [3, 3], padding: .same, pool: [3, 3]),
            Pair(input: [11, 12, 1], filters: 48, kernel: [2, 2], strides: [2, 2], padding: .same, poolPadding: .same),
            Pair(input: [10, 10, 3], filters: 16, kernel: [3, 3], pool: [2, 2], poolStrides: [3, 3], activation: "linear"),
            Pair(input: [8, 9, 1], filters: 64, kernel: [3, 3], pool: [1, 2], padFirst: true),
        ]
        for (pi, p) in pairs.enumerated() {
            func run(_ variant: String) throws -> (losses: [Double], weights: [[Float]], fused: Bool) {
                var layers: [Layer] = p.padFirst ? [try ZeroPadding2D(padding: [(1, 0), (0, 1)])] : []
                let conv = try Conv2D(filters: p.filters, kernelSize: p.kernel, strides: p.strides, padding: p.padding,
                                      activation: Activations.named(p.activation), biasInitializer: RandomUniform(minval: -0.2, maxval: 0.2))
                let pool = try MaxPooling2D(poolSize: p.pool, strides: p.poolStrides, padding: p.poolPadding)
                conv.directKernels = variant != "im2col"
                pool.vectorKernels = variant == "fused"
                layers += [conv, pool, Flatten(), try Dense(units: 3, activation: Activations.named("softmax"))]
                let m = try Sequential(layers, seed: 5)
                try m.setInput(shape: p.input)
                try m.compile(optimizer: "adam", loss: "categorical_crossentropy")
                var r = TestRandom(UInt64(60 + pi))
                let n = 5
                let x = r.floats(n * p.input.reduce(1, *), -1, 1)
                let y = (0..<n).flatMap { i in (0..<3).map { Float($0 == i % 3 ? 1 : 0) } }
                var losses = [Double]()
                for _ in 0..<3 { losses.append(try m.trainOnBatch(x: x, y: y)[0]) }
                return (losses, try allWeights(m), m.compiled?.plan.hasFusedStage == true)
            }
            let fused = try run("fused"), apart = try run("apart"), im2col = try run("im2col")
            #expect(fused.fused == ConvKernels.hasAVX512 && !apart.fused && !im2col.fused, "pair \(pi): which runs fused")
            for other in [apart, im2col] {
                expectClose(fused.losses, other.losses, rtol: 1e-5, atol: 1e-6, "pair \(pi) losses")
                for (a, b) in zip(fused.weights, other.weights) {
                    expectClose(a, b.map(Double.init), rtol: 1e-4, atol: 1e-6, "pair \(pi) weights")
                }
            }
        }
    }

    func expectMatchesReference(_ conv: BaseConv, _ c: ConvCase, batch: Int, _ what: String,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        let g = conv.geometry!, relu = conv.isReLU
        var r = TestRandom(11)
        let x = Tensor(shape: [batch] + c.input, values: r.floats(batch * c.input.reduce(1, *), -1, 1))
        let state = LayerState()
        var rng = SeededGenerator(seed: 0)
        conv.forward(x, state, training: true, rng: &rng)
        #expect(state.output.shape == [batch] + conv.outputShape!, sourceLocation: sourceLocation)
        let kernel = conv.kernel!.value.array, bias = conv.bias!.value.array
        let z = ConvKernels.referenceForward(x: x.array, batch: batch, g, kernel: kernel, bias: bias, filters: c.filters)
        let want = relu ? z.map { max($0, 0) } : z
        expectClose(state.output.array, want.map(Double.init), rtol: 1e-5, atol: 1e-5, "\(what) forward", sourceLocation: sourceLocation)

        let dy = r.floats(state.output.count, -1, 1)
        let dz = relu ? zip(dy, z).map { $1 > 0 ? $0 : 0 } : dy
        let ref = ConvKernels.referenceBackward(x: x.array, batch: batch, g, kernel: kernel, filters: c.filters, dy: dz)
        // Without the input gradient first (the first layer of a model; the direct kernels' own backward).
        conv.backward(x, Tensor(shape: state.output.shape, values: dy), state, needInputGrad: false)
        expectClose(conv.kernel!.grad.array, ref.dKernel.map(Double.init), rtol: 1e-5, atol: 1e-5, "\(what) dKernel alone", sourceLocation: sourceLocation)
        expectClose(conv.bias!.grad.array, ref.dBias.map(Double.init), rtol: 1e-5, atol: 1e-5, "\(what) dBias alone", sourceLocation: sourceLocation)
        conv.kernel!.grad.fill(0)
        conv.bias!.grad.fill(0)
        conv.backward(x, Tensor(shape: state.output.shape, values: dy), state, needInputGrad: true)
        expectClose(state.gradInput.array, ref.dx.map(Double.init), rtol: 1e-5, atol: 1e-5, "\(what) dx", sourceLocation: sourceLocation)
        expectClose(conv.kernel!.grad.array, ref.dKernel.map(Double.init), rtol: 1e-5, atol: 1e-5, "\(what) dKernel", sourceLocation: sourceLocation)
        expectClose(conv.bias!.grad.array, ref.dBias.map(Double.init), rtol: 1e-5, atol: 1e-5, "\(what) dBias", sourceLocation: sourceLocation)
    }

    @Test(arguments: convCases)
    func convGradientsMatchFiniteDifferences(_ c: ConvCase) throws {
        for (act, bias) in [("linear", true), ("tanh", false), ("softmax", true)] {
            let conv = try built(c.make(activation: act, useBias: bias), c.input, seed: 5)
            var r = TestRandom(21)
            let x = Tensor(shape: [2] + c.input, values: r.floats(2 * c.input.reduce(1, *), -1, 1))
            expectGradientsMatchFiniteDifferences(conv, x, "\(c.testDescription) \(act) bias=\(bias)")
        }
    }

    @Test func reluConvGradientAwayFromTheKink() throws {
        let c = convCases[3]
        var found = false
        for attempt in 0..<100 {
            let conv = try built(c.make(activation: "relu"), c.input, seed: UInt64(attempt + 1))
            var r = TestRandom(UInt64(300 + attempt))
            let x = Tensor(shape: [2] + c.input, values: r.floats(2 * c.input.reduce(1, *), -1, 1))
            let s = LayerState()
            var g = SeededGenerator(seed: 0)
            conv.forward(x, s, training: true, rng: &g)
            let z = ConvKernels.referenceForward(x: x.array, batch: 2, conv.geometry!, kernel: conv.kernel!.value.array,
                                                 bias: conv.bias!.value.array, filters: c.filters)
            guard z.allSatisfy({ abs($0) > 0.03 }) else { continue }   // a step of 1e-2 moves z by < 0.03
            found = true
            expectGradientsMatchFiniteDifferences(conv, x, "relu \(c.testDescription)")
            break
        }
        #expect(found, "no kink-free data found")
    }

    @Test func gradientsAccumulateAndFrozenKernelIsLeftAlone() throws {
        let conv = try built(ConvCase(rank: 2, input: [5, 5, 2], filters: 2, kernel: [3, 3]).make(), [5, 5, 2])
        var r = TestRandom(4)
        let x = Tensor(shape: [2, 5, 5, 2], values: r.floats(100, -1, 1))
        let dy = r.floats(2 * 3 * 3 * 2, -1, 1)
        let state = forwardBackward(conv, x, dy)
        let once = conv.kernel!.grad.array
        var g = SeededGenerator(seed: 0)
        conv.forward(x, state, training: true, rng: &g)
        conv.backward(x, Tensor(shape: [2, 3, 3, 2], values: dy), state, needInputGrad: false)
        expectClose(conv.kernel!.grad.array, once.map { 2 * Double($0) }, "kernel gradient accumulates")
        conv.kernel!.trainable = false
        conv.kernel!.grad.fill(0)
        conv.forward(x, state, training: true, rng: &g)
        conv.backward(x, Tensor(shape: [2, 3, 3, 2], values: dy), state, needInputGrad: true)
        #expect(conv.kernel!.grad.array.allSatisfy { $0 == 0 }, "a frozen kernel gets no gradient")
        #expect(state.gradInput.shape == x.shape)
    }

    @Test func passBuffersAreReusedAcrossBatches() throws {
        let conv = try built(ConvCase(rank: 2, input: [6, 6, 2], filters: 3, kernel: [3, 3], padding: .same).make(), [6, 6, 2])
        var r = TestRandom(8)
        let x = Tensor(shape: [4, 6, 6, 2], values: r.floats(288, -1, 1))
        let state = LayerState()
        var g = SeededGenerator(seed: 0)
        conv.forward(x, state, training: true, rng: &g)
        conv.backward(x, Tensor(shape: [4, 6, 6, 3], values: r.floats(432, -1, 1)), state, needInputGrad: true)
        let pointers = [state.buffer(BaseConv.Buffer.columns).data, state.buffer(BaseConv.Buffer.columnGrads).data, state.output.data, state.gradInput.data]
        for _ in 0..<3 {
            conv.forward(x, state, training: true, rng: &g)
            conv.backward(x, Tensor(shape: [4, 6, 6, 3], values: r.floats(432, -1, 1)), state, needInputGrad: true)
        }
        #expect([state.buffer(BaseConv.Buffer.columns).data, state.buffer(BaseConv.Buffer.columnGrads).data, state.output.data, state.gradInput.data] == pointers,
                "same batch size: the buffers are reused, not reallocated")
        #expect(state.buffer(BaseConv.Buffer.columns).count == 4 * 36 * 18, "im2col holds the whole batch: [4*6*6, 3*3*2]")
    }

    /// TensorFlow's padding rule (kernel_shape_util.cc): out = ceil(in/s); total = max((out-1)*s + k_eff - in, 0);
    /// the smaller half before.
    @Test func paddingFollowsTensorFlow() {
        func axis(_ i: Int, _ k: Int, _ s: Int, _ d: Int, _ p: ConvPadding) -> [Int] {
            WindowGeometry.axis(input: i, kernel: k, stride: s, dilation: d, padding: p).map { [$0.out, $0.before] } ?? []
        }
        #expect(axis(6, 3, 1, 1, .same) == [6, 1])
        #expect(axis(6, 2, 1, 1, .same) == [6, 0])     // (k-1)//2 = 0 before, 1 after
        #expect(axis(6, 4, 1, 1, .same) == [6, 1])     // 1 before, 2 after
        #expect(axis(8, 3, 2, 1, .same) == [4, 0])     // total 1: all of it after
        #expect(axis(7, 3, 2, 1, .same) == [4, 1])
        #expect(axis(4, 4, 2, 1, .same) == [2, 1])
        #expect(axis(8, 3, 1, 2, .same) == [8, 2])     // effective kernel 5
        #expect(axis(3, 5, 1, 1, .same) == [3, 2])
        #expect(axis(7, 3, 2, 1, .valid) == [3, 0])
        #expect(axis(8, 3, 1, 2, .valid) == [4, 0])
        #expect(axis(2, 3, 1, 1, .valid) == [])        // does not fit
        #expect(axis(9, 3, 1, 2, .causal) == [9, 4])
        #expect(axis(8, 4, 3, 1, .causal) == [3, 3])
    }

    @Test func invalidArgumentsAndShapesAreRefused() throws {
        expectSeqNNError(.invalidArgument) { _ = try Conv2D(filters: 0, kernelSize: [3, 3]) }
        expectSeqNNError(.invalidArgument) { _ = try Conv2D(filters: 2, kernelSize: [3]) }
        expectSeqNNError(.invalidArgument) { _ = try Conv2D(filters: 2, kernelSize: [3, 3], strides: [2, 2], dilationRate: [2, 2]) }
        expectSeqNNError(.invalidArgument) { _ = try Conv2D(filters: 2, kernelSize: [3, 3], padding: .causal) }
        expectSeqNNError(.invalidArgument) { _ = try Conv1D(filters: 2, kernelSize: 3, strides: 0) }
        expectSeqNNError(.shapeMismatch) { _ = try built(Conv2D(filters: 2, kernelSize: [3, 3]), [2, 5, 1]) }
        expectSeqNNError(.shapeMismatch) { _ = try built(Conv2D(filters: 2, kernelSize: [3, 3]), [5, 5]) }
        expectSeqNNError(.shapeMismatch) { _ = try built(Conv1D(filters: 2, kernelSize: 3), [5, 5, 1]) }
        let e = expectSeqNNError(.shapeMismatch) { _ = try built(Conv1D(filters: 2, kernelSize: 5, name: "c1"), [4, 1]) }
        #expect(e?.message.contains("c1") == true, "the message names the layer: \(e?.message ?? "")")
    }

    @Test func configsParseInBothKerasDialects() throws {
        // Keras 3: lists, DTypePolicy, initializer objects with module keys.
        let k3 = json("""
        {"name": "conv2d", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null},
         "filters": 4, "kernel_size": [3, 2], "strides": [2, 1], "padding": "same", "data_format": "channels_last",
         "dilation_rate": [1, 1], "groups": 1, "activation": "relu", "use_bias": true,
         "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null},
         "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null},
         "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}
        """)
        let c3 = try #require(try LayerRegistry.make(className: "Conv2D", config: k3) as? Conv2D)
        #expect(c3.kernelSize == [3, 2] && c3.strides == [2, 1] && c3.padding == .same && c3.activation.name == "relu")
        // Keras 2 style, hand-written: bare ints, batch_input_shape on the layer, a string initializer.
        let k2 = json("""
        {"name": "c", "dtype": "float32", "batch_input_shape": [null, 8, 8, 1], "filters": 2, "kernel_size": 3,
         "strides": 1, "padding": "valid", "dilation_rate": 2, "kernel_initializer": "he_normal",
         "kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.01}}}
        """)
        let c2 = try #require(try LayerRegistry.make(className: "Conv2D", config: k2, kerasMajor: 2) as? Conv2D)
        #expect(c2.kernelSize == [3, 3] && c2.strides == [1, 1] && c2.dilationRate == [2, 2] && c2.useBias)
        #expect(c2.declaredBatchInputShape == [nil, 8, 8, 1])
        #expect(c2.kernelRegularizer == Regularizer(l2: 0.01))
        let c1 = try #require(try LayerRegistry.make(className: "Conv1D", config: json(#"{"filters": 3, "kernel_size": [5], "padding": "causal"}"#)) as? Conv1D)
        #expect(c1.kernelSize == [5] && c1.padding == .causal && c1.name == "conv1d")
        _ = try #require(try LayerRegistry.make(className: "Convolution2D", config: json(#"{"filters": 1, "kernel_size": 1}"#)) as? Conv2D)

        // Round trip: the written config builds the same layer, and writes the same config again.
        for layer in [c3 as Layer, c2, c1] {
            let again = try LayerRegistry.make(className: layer.kerasClassName, config: layer.config())
            #expect(again.config() == layer.config(), "\(layer.kerasClassName) config round trip")
        }
        #expect(c3.config()["kernel_size"] == json("[3, 2]"))
        #expect(c3.config()["groups"] == 1)
    }

    @Test func unsupportedOptionsAreRefusedClearly() throws {
        func make(_ cls: String, _ text: String) throws { _ = try LayerRegistry.make(className: cls, config: json(text)) }
        var e = expectSeqNNError(.unsupported) { try make("Conv2D", #"{"filters": 2, "kernel_size": 3, "data_format": "channels_first"}"#) }
        #expect(e?.message.contains("channels_first") == true)
        e = expectSeqNNError(.unsupported) { try make("Conv2D", #"{"filters": 2, "kernel_size": 3, "groups": 2}"#) }
        #expect(e?.message.contains("groups") == true)
        expectSeqNNError(.unsupported) { try make("Conv2D", #"{"filters": 2, "kernel_size": 3, "kernel_constraint": {"class_name": "MaxNorm", "config": {}}}"#) }
        expectSeqNNError(.unsupported) { try make("Conv1D", #"{"filters": 2, "kernel_size": 3, "activity_regularizer": "l2"}"#) }
        expectSeqNNError(.invalidArgument) { try make("Conv2D", #"{"filters": 2, "kernel_size": 3, "padding": "causal"}"#) }
        expectSeqNNError(.invalidArgument) { try make("Conv2D", #"{"filters": 2, "kernel_size": [3, 3, 3]}"#) }
        expectSeqNNError(.invalidArgument) { try make("Conv2D", #"{"filters": 2}"#) }
        expectSeqNNError(.invalidArgument) { try make("Conv2D", #"{"filters": -1, "kernel_size": 3}"#) }
        expectSeqNNError(.invalidArgument) { try make("Conv2D", #"{"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}"#) }
    }

    /// The tutorial CNN (Conv2D -> MaxPooling2D -> Flatten -> Dense softmax) learns a task only a
    /// convolution solves easily: which quadrant of a 6x6 image holds a bright 2x2 square.
    @Test func tutorialCNNTrains() throws {
        let m = try Sequential([Conv2D(filters: 4, kernelSize: [3, 3], activation: Activations.named("relu")),
                                MaxPooling2D(poolSize: [2, 2]), Flatten(),
                                Dense(units: 4, activation: Activations.named("softmax"))], seed: 7)
        try m.setInput(shape: [6, 6, 1])
        try m.compile(optimizer: .object([("class_name", "Adam"), ("config", .object([("learning_rate", 0.01)]))]),
                      loss: "categorical_crossentropy", metrics: ["accuracy"])
        var r = TestRandom(99)
        let n = 64
        var x = [Float](), y = [Float]()
        for i in 0..<n {
            let q = i % 4
            var img = r.floats(36, 0, 0.2)
            let top = (q / 2) * 3 + r.int(2), left = (q % 2) * 3 + r.int(2)
            for dh in 0..<2 { for dw in 0..<2 { img[(top + dh) * 6 + left + dw] = 1 } }
            x += img
            y += (0..<4).map { $0 == q ? 1 : 0 }
        }
        var o = FitOptions()
        o.epochs = 40
        o.batchSize = 16
        o.verbose = 0
        let h = try m.fit(x: x, y: y, options: o)
        let loss = try #require(h["loss"]), acc = try #require(h["accuracy"])
        #expect(loss.last! < loss.first! * 0.5, "loss \(loss.first!) -> \(loss.last!)")
        #expect(acc.last! >= 0.9, "accuracy \(acc.last!)")
        #expect(m.parameterCount == (9 * 4 + 4) + (2 * 2 * 4 * 4 + 4))
    }
}
