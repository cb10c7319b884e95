// Pooling, global pooling, ZeroPadding, Cropping and UpSampling: finite-difference gradient checks for
// every layer, TensorFlow's semantics on hand-computed examples (first-max routing, 'same' averages over
// real elements, tied global maxima, bilinear half-pixel sampling), and configs in both Keras dialects.
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SeqNN

struct WindowLayerCase: CustomTestStringConvertible, @unchecked Sendable {
    let label: String
    let input: [Int]
    let make: @Sendable () throws -> Layer
    var testDescription: String { "\(label) in=\(input)" }
}

let windowLayerCases: [WindowLayerCase] = [
    WindowLayerCase(label: "MaxPooling2D 2x2", input: [4, 6, 2]) { try MaxPooling2D() },
    WindowLayerCase(label: "MaxPooling2D 3 s2 same", input: [7, 8, 3]) { try MaxPooling2D(poolSize: [3, 3], strides: [2, 2], padding: .same) },
    WindowLayerCase(label: "MaxPooling2D (2,3) s(1,2)", input: [5, 7, 2]) { try MaxPooling2D(poolSize: [2, 3], strides: [1, 2]) },
    WindowLayerCase(label: "AveragePooling2D 2x2", input: [4, 6, 2]) { try AveragePooling2D() },
    WindowLayerCase(label: "AveragePooling2D 3 s2 same", input: [7, 8, 3]) { try AveragePooling2D(poolSize: [3, 3], strides: [2, 2], padding: .same) },
    WindowLayerCase(label: "AveragePooling2D (3,2) s1 same", input: [5, 4, 2]) { try AveragePooling2D(poolSize: [3, 2], strides: [1, 1], padding: .same) },
    WindowLayerCase(label: "MaxPooling1D 2", input: [9, 3]) { try MaxPooling1D() },
    WindowLayerCase(label: "MaxPooling1D 3 s2 same", input: [9, 3]) { try MaxPooling1D(poolSize: 3, strides: 2, padding: .same) },
    WindowLayerCase(label: "AveragePooling1D 2 s1 same", input: [7, 2]) { try AveragePooling1D(poolSize: 2, strides: 1, padding: .same) },
    WindowLayerCase(label: "AveragePooling1D 3", input: [9, 2]) { try AveragePooling1D(poolSize: 3) },
    WindowLayerCase(label: "GlobalMaxPooling1D", input: [6, 3]) { GlobalMaxPooling1D() },
    WindowLayerCase(label: "GlobalMaxPooling2D keepdims", input: [4, 5, 3]) { GlobalMaxPooling2D(keepdims: true) },
    WindowLayerCase(label: "GlobalAveragePooling1D keepdims", input: [6, 3]) { GlobalAveragePooling1D(keepdims: true) },
    WindowLayerCase(label: "GlobalAveragePooling2D", input: [4, 5, 3]) { GlobalAveragePooling2D() },
    WindowLayerCase(label: "ZeroPadding1D (2,1)", input: [5, 2]) { try ZeroPadding1D(padding: (2, 1)) },
    WindowLayerCase(label: "ZeroPadding2D ((1,2),(0,1))", input: [4, 5, 2]) { try ZeroPadding2D(padding: [(1, 2), (0, 1)]) },
    WindowLayerCase(label: "Cropping1D (1,2)", input: [8, 2]) { try Cropping1D(cropping: (1, 2)) },
    WindowLayerCase(label: "Cropping2D ((1,0),(1,2))", input: [6, 7, 2]) { try Cropping2D(cropping: [(1, 0), (1, 2)]) },
    WindowLayerCase(label: "UpSampling1D 3", input: [4, 2]) { try UpSampling1D(size: 3) },
    WindowLayerCase(label: "UpSampling2D (2,3)", input: [3, 2, 2]) { try UpSampling2D(size: [2, 3]) },
    WindowLayerCase(label: "UpSampling2D (2,3) bilinear", input: [3, 4, 2]) { try UpSampling2D(size: [2, 3], interpolation: .bilinear) },
    WindowLayerCase(label: "UpSampling2D 3 bilinear", input: [2, 3, 1]) { try UpSampling2D(size: [3, 3], interpolation: .bilinear) },
]

/// Distinct values spaced 0.05 apart in random order: no two inputs come within a finite-difference step
/// (1e-2) of each other, so no maximum changes place while a value is perturbed.
func distinctValues(_ n: Int, seed: UInt64) -> [Float] {
    var r = TestRandom(seed)
    var v = (0..<n).map { Float($0 - n / 2) * 0.05 }
    for i in stride(from: n - 1, to: 0, by: -1) { v.swapAt(i, r.int(i + 1)) }
    return v
}

func runForward(_ layer: Layer, _ x: Tensor) -> LayerState {
    let s = LayerState()
    var g = SeededGenerator(seed: 0)
    layer.forward(x, s, training: false, rng: &g)
    return s
}

struct PoolingTests {
    @Test(arguments: windowLayerCases)
    func gradientsMatchFiniteDifferences(_ c: WindowLayerCase) throws {
        let layer = try built(c.make(), c.input)
        let n = 2 * c.input.reduce(1, *)
        let x = Tensor(shape: [2] + c.input, values: distinctValues(n, seed: 5))
        let s = runForward(layer, x)
        #expect(s.output.shape == [2] + layer.outputShape!, "\(c.label) output shape")
        expectGradientsMatchFiniteDifferences(layer, x, rtol: 2e-3, atol: 1e-4, c.label)
    }

    /// Max pooling over non-overlapping windows records each maximum's offset in the forward pass and
    /// scatters from it; it must give exactly the generic window loop's output and gradient, including
    /// ties (integers in a small range), leftover rows/columns, 'same' padding and strides past the pool.
    @Test func tiledMaxPoolingMatchesTheGenericLoops() throws {
        let cases: [(input: [Int], pool: [Int], strides: [Int]?, padding: ConvPadding)] = [
            ([26, 26, 32], [2, 2], nil, .valid), ([27, 25, 5], [2, 2], nil, .valid), ([7, 8, 3], [3, 3], nil, .same),
            ([9, 10, 9], [2, 3], [3, 3], .valid), ([5, 7, 1], [2, 2], nil, .same), ([6, 6, 12], [3, 2], [4, 2], .same),
            ([1, 9, 17], [1, 3], nil, .valid),
            // Channels in steps of 16 (the AVX-512 kernels): odd sizes, 'same', gaps, a 1-row window.
            ([7, 9, 16], [2, 2], nil, .same), ([9, 11, 48], [2, 3], [3, 4], .valid), ([5, 6, 32], [3, 3], nil, .same),
            ([4, 8, 16], [1, 4], nil, .valid),
        ]
        for (ci, c) in cases.enumerated() { for avx in [true, false] {
            let pool = try built(MaxPooling2D(poolSize: c.pool, strides: c.strides, padding: c.padding), c.input)
            pool.vectorKernels = avx
            let g = try #require(pool.geometry)
            #expect(pool.usesTiledMax, "case \(ci) takes the tiled path")
            let n = 3, inCount = n * g.inSize, outCount = n * g.outPositions * g.channels
            var r = TestRandom(UInt64(40 + ci))
            let x = Tensor(shape: [n] + c.input, values: (0..<inCount).map { _ in Float(r.int(5)) - 2 })
            let dy = r.floats(outCount, -1, 1)
            let s = LayerState()
            var rng = SeededGenerator(seed: 0)
            pool.forward(x, s, training: true, rng: &rng)
            s.gradInput.resize(x.shape)
            s.gradInput.fill(.nan)   // backward must write every element, not rely on a zeroed buffer
            pool.backward(x, Tensor(shape: s.output.shape, values: dy), s, needInputGrad: true)

            var y = [Float](repeating: 0, count: outCount), dx = [Float](repeating: 0, count: inCount)
            var best = [Float](repeating: 0, count: 2 * g.channels)
            PoolKernels.maxForward(x.data, samples: n, g, &y)
            PoolKernels.maxBackward(x.data, dy, samples: n, g, &dx, best: &best)
            #expect(s.output.array == y, "case \(ci) \(c.input) avx512=\(pool.avx512) forward")
            #expect(s.gradInput.array == dx, "case \(ci) \(c.input) avx512=\(pool.avx512) backward")
        } }
    }

    @Test func outputShapesMatchKeras() throws {
        // Shapes Keras reports for these layers (model.output_shape in the fixtures' models).
        #expect(try built(MaxPooling2D(poolSize: [3, 3], strides: [2, 2], padding: .same), [7, 8, 3]).outputShape == [4, 4, 3])
        #expect(try built(MaxPooling2D(poolSize: [2, 3], strides: [1, 2]), [5, 7, 2]).outputShape == [4, 3, 2])
        #expect(try built(AveragePooling1D(poolSize: 2, strides: 1, padding: .same), [5, 3]).outputShape == [5, 3])
        #expect(try built(MaxPooling1D(), [9, 3]).outputShape == [4, 3])
        #expect(try built(GlobalMaxPooling2D(keepdims: true), [4, 5, 3]).outputShape == [1, 1, 3])
        #expect(try built(GlobalAveragePooling1D(keepdims: true), [6, 3]).outputShape == [1, 3])
        #expect(try built(GlobalAveragePooling2D(), [4, 5, 3]).outputShape == [3])
        #expect(try built(ZeroPadding2D(padding: [(1, 2), (0, 1)]), [4, 5, 2]).outputShape == [7, 6, 2])
        #expect(try built(Cropping2D(cropping: [(1, 0), (1, 2)]), [6, 7, 2]).outputShape == [5, 4, 2])
        #expect(try built(UpSampling2D(size: [2, 3]), [3, 2, 2]).outputShape == [6, 6, 2])
        #expect(try built(UpSampling1D(size: 3), [4, 2]).outputShape == [12, 2])
        expectSeqNNError(.shapeMismatch) { _ = try built(MaxPooling2D(poolSize: [3, 3]), [2, 5, 1]) }
        expectSeqNNError(.shapeMismatch) { _ = try built(Cropping1D(cropping: (2, 2)), [4, 1]) }
        expectSeqNNError(.shapeMismatch) { _ = try built(GlobalMaxPooling2D(), [4, 3]) }
        expectSeqNNError(.shapeMismatch) { _ = try built(UpSampling1D(), [4, 3, 2]) }
    }

    /// TensorFlow's MaxPoolGrad sends the gradient to the first maximum of the window (row-major), even
    /// when several elements tie; the tied maximum of GlobalMaxPooling (reduce_max) is shared equally.
    @Test func tiedMaximaFollowTensorFlow() throws {
        let pool = try built(MaxPooling2D(), [2, 2, 1])
        let x = Tensor(shape: [1, 2, 2, 1], values: [1, 3, 3, 3])
        let s = forwardBackward(pool, x, [2])
        #expect(s.output.array == [3])
        #expect(s.gradInput.array == [0, 2, 0, 0], "the first maximum takes all of it")

        let gmax = try built(GlobalMaxPooling1D(), [4, 1])
        let g = forwardBackward(gmax, Tensor(shape: [1, 4, 1], values: [3, 1, 3, 3]), [3])
        #expect(g.output.array == [3])
        #expect(g.gradInput.array == [1, 0, 1, 1], "ties share the gradient")
    }

    /// TensorFlow's avg_pool with SAME padding divides by the number of real elements of each window.
    @Test func sameAverageDividesByRealElements() throws {
        let pool = try built(AveragePooling2D(poolSize: [2, 2], strides: [2, 2], padding: .same), [3, 3, 1])
        let x = Tensor(shape: [1, 3, 3, 1], values: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let s = forwardBackward(pool, x, [1, 1, 1, 1])
        // windows: {1,2,4,5} /4, {3,6} /2, {7,8} /2, {9} /1
        #expect(s.output.array == [3, 4.5, 7.5, 9])
        #expect(s.gradInput.array == [0.25, 0.25, 0.5, 0.25, 0.25, 0.5, 0.5, 0.5, 1])
        let maxSame = try built(MaxPooling1D(poolSize: 3, strides: 2, padding: .same), [4, 1])
        // out = 2, total padding = max((2-1)*2 + 3 - 4, 0) = 1, all after: windows {0,1,2}, {2,3}
        let m = runForward(maxSame, Tensor(shape: [1, 4, 1], values: [-5, -4, -3, -2]))
        #expect(m.output.array == [-3, -2], "padding never wins a maximum, even over negative values")
    }

    @Test func paddingCroppingAndNearestUpsamplingMoveValues() throws {
        let pad = try built(ZeroPadding1D(padding: (1, 2)), [2, 1])
        #expect(runForward(pad, Tensor(shape: [1, 2, 1], values: [5, 6])).output.array == [0, 5, 6, 0, 0])
        let crop = try built(Cropping2D(cropping: [(1, 0), (0, 1)]), [2, 3, 1])
        #expect(runForward(crop, Tensor(shape: [1, 2, 3, 1], values: [1, 2, 3, 4, 5, 6])).output.array == [4, 5])
        let up = try built(UpSampling2D(size: [1, 2]), [1, 2, 2])
        #expect(runForward(up, Tensor(shape: [1, 1, 2, 2], values: [1, 2, 3, 4])).output.array == [1, 2, 1, 2, 3, 4, 3, 4])
    }

    /// tf.image.resize(method='bilinear') on [1, 2] upsampled by 2: half-pixel centers sample at
    /// -0.25 (clamped: 1), 0.25, 0.75, 1.25 (clamped: 2).
    @Test func bilinearUsesHalfPixelCenters() throws {
        let up = try built(UpSampling2D(size: [1, 2], interpolation: .bilinear), [1, 2, 1])
        let s = forwardBackward(up, Tensor(shape: [1, 1, 2, 1], values: [1, 2]), [1, 1, 1, 1])
        #expect(s.output.array == [1, 1.25, 1.75, 2])
        #expect(s.gradInput.array == [2, 2])
    }

    @Test func configsParseInBothKerasDialects() throws {
        func make(_ cls: String, _ text: String, _ major: Int = 3) throws -> Layer {
            try LayerRegistry.make(className: cls, config: json(text), kerasMajor: major)
        }
        // Keras 2 MaxPooling1D: lists and strides; Keras 3 writes the same keys in another order.
        let p1 = try #require(try make("MaxPooling1D", #"{"name": "p", "trainable": true, "dtype": "float32", "strides": [2], "pool_size": [3], "padding": "same", "data_format": "channels_last"}"#, 2) as? MaxPooling1D)
        #expect(p1.poolSize == [3] && p1.strides == [2] && p1.padding == .same)
        let p2 = try #require(try make("AveragePooling2D", #"{"pool_size": 3, "strides": null}"#) as? AveragePooling2D)
        #expect(p2.poolSize == [3, 3] && p2.strides == [3, 3], "strides default to pool_size")
        let p3 = try #require(try make("MaxPool2D", "{}") as? MaxPooling2D)
        #expect(p3.poolSize == [2, 2] && p3.strides == [2, 2] && p3.name == "max_pooling2d")
        let g = try #require(try make("GlobalAveragePooling2D", #"{"data_format": "channels_last", "keepdims": true}"#) as? GlobalAveragePooling2D)
        #expect(g.keepdims)
        let z2 = try #require(try make("ZeroPadding2D", #"{"padding": [[1, 2], [0, 1]], "data_format": "channels_last"}"#) as? ZeroPadding2D)
        #expect(z2.padding.map { [$0.0, $0.1] } == [[1, 2], [0, 1]])
        let z2b = try #require(try make("ZeroPadding2D", #"{"padding": [2, 1]}"#) as? ZeroPadding2D)
        #expect(z2b.padding.map { [$0.0, $0.1] } == [[2, 2], [1, 1]], "(rows, cols) is symmetric per axis")
        let z1 = try #require(try make("ZeroPadding1D", #"{"padding": 3}"#) as? ZeroPadding1D)
        #expect([z1.padding[0].0, z1.padding[0].1] == [3, 3])
        let c1 = try #require(try make("Cropping1D", #"{"cropping": [1, 2]}"#) as? Cropping1D)
        #expect([c1.cropping[0].0, c1.cropping[0].1] == [1, 2])
        let c2 = try #require(try make("Cropping2D", #"{"cropping": 1}"#) as? Cropping2D)
        #expect(c2.cropping.map { [$0.0, $0.1] } == [[1, 1], [1, 1]])
        let u1 = try #require(try make("UpSampling1D", #"{"size": 3}"#) as? UpSampling1D)
        #expect(u1.size == [3])
        let u2 = try #require(try make("UpSampling2D", #"{"size": [2, 3], "interpolation": "bilinear"}"#) as? UpSampling2D)
        #expect(u2.size == [2, 3] && u2.interpolation == .bilinear)

        for layer in [p1 as Layer, p2, p3, g, z2, z2b, z1, c1, c2, u1, u2] {
            let again = try LayerRegistry.make(className: layer.kerasClassName, config: layer.config())
            #expect(again.config() == layer.config(), "\(layer.kerasClassName) config round trip")
        }
        #expect(z1.config()["data_format"] == nil, "tf_keras's ZeroPadding1D takes no data_format")
    }

    @Test func unsupportedOptionsAreRefusedClearly() throws {
        func make(_ cls: String, _ text: String) throws { _ = try LayerRegistry.make(className: cls, config: json(text)) }
        let e = expectSeqNNError(.unsupported) { try make("UpSampling2D", #"{"interpolation": "bicubic"}"#) }
        #expect(e?.message.contains("bicubic") == true)
        expectSeqNNError(.unsupported) { try make("MaxPooling2D", #"{"data_format": "channels_first"}"#) }
        expectSeqNNError(.unsupported) { try make("GlobalMaxPooling1D", #"{"data_format": "channels_first"}"#) }
        expectSeqNNError(.invalidArgument) { try make("MaxPooling2D", #"{"padding": "causal"}"#) }
        expectSeqNNError(.invalidArgument) { try make("AveragePooling1D", #"{"pool_size": 0}"#) }
        expectSeqNNError(.invalidArgument) { try make("ZeroPadding2D", #"{"padding": [[1, 2, 3], [0, 1]]}"#) }
        expectSeqNNError(.invalidArgument) { try make("Cropping1D", #"{"cropping": -1}"#) }
        expectSeqNNError(.invalidArgument) { try make("UpSampling1D", #"{"size": 0}"#) }
    }

    /// A whole model of these layers trains through Sequential's own backward pass (a gradient check on
    /// the model: SGD(1) moves each weight by -dLoss/dw, compared with finite differences of the loss).
    /// Max pooling is left out here: after a bilinear upsampling, neighbouring values differ by less than
    /// a finite-difference step moves them, so the maximum changes place (its own check uses spaced values).
    @Test func modelOfEveryLayerHasConsistentGradients() throws {
        func model() throws -> Sequential {
            let m = try Sequential([
                ZeroPadding2D(padding: [(1, 0), (0, 1)]),
                Conv2D(filters: 3, kernelSize: [2, 2], activation: Activations.named("tanh"), biasInitializer: RandomUniform(minval: -0.3, maxval: 0.3)),
                UpSampling2D(size: [2, 1], interpolation: .bilinear), Cropping2D(cropping: [(1, 1), (0, 1)]),
                AveragePooling2D(poolSize: [2, 2], strides: [1, 1], padding: .same),
                Conv2D(filters: 2, kernelSize: [1, 1]),
                GlobalAveragePooling2D(), Dense(units: 2)], seed: 3)
            try m.setInput(shape: [4, 4, 2])
            try m.compile(optimizer: .object([("class_name", "SGD"), ("config", .object([("learning_rate", 1)]))]),
                          loss: "mean_squared_error")
            return m
        }
        var r = TestRandom(12)
        let x = r.floats(3 * 32, -1, 1), y = r.floats(3 * 2, -1, 1)
        let m = try model()
        let w0 = try allWeights(m)
        _ = try m.trainOnBatch(x: x, y: y)
        let step = zip(try allWeights(m), w0).map { zip($0, $1).map { Double($1 - $0) } }   // = dLoss/dw
        let probe = try model()
        for (li, l) in probe.layers.enumerated() {
            for wi in 0..<l.parameters.count {
                let p = l.parameters[wi]
                let numeric = numericGradient(p.value.data, count: p.value.count, h: 2e-3) {
                    (try? probe.evaluate(x: x, y: y))?[0] ?? .nan
                }
                let k = m.layers[0..<li].reduce(0) { $0 + $1.parameters.count } + wi
                expectClose(step[k], numeric, rtol: 5e-3, atol: 2e-4, "layer \(li) \(l.kerasClassName) weight \(wi)")
            }
        }
    }
}
