#if canImport(Glibc)
import Glibc
#endif

// The machinery SimpleRNN, LSTM and GRU share (Keras's `RNN` layer around a cell): configuration, weights,
// dropout masks, the batched input projection, stateful state and the time loop's bookkeeping.
//
// Layout. Keras feeds (batch, timesteps, features). Inside a pass every per-step buffer is *step-major*,
// [T, B, ...] in processing order (step s reads input time t = s, or T-1-s with go_backwards), so that one
// step's slab is a contiguous [B, ...] matrix:
//   xt   [groups, T, B, in]   the inputs, transposed to step-major and multiplied by the dropout mask(s)
//   z    [T, B, G*u]          x.W + b for all steps in ONE gemm, then (LSTM, SimpleRNN) + h.R per step
//   h    [T+1, B, u]          h[0] = initial state, h[s+1] = output of step s
// The recurrent product runs as one [B, u] x [u, G*u] gemm per step; the weight gradients are one gemm each
// over all T*B rows at the end of the backward pass. Buffers are the state's named buffers (`Slot`, and each
// cell's own in a child state) and are resized per batch without reallocating once they are large enough.

/// A layer that keeps values between calls (Keras's `stateful=True` recurrent layers).
///
/// Such a layer's final state of one batch is the initial state of the next (in predict, fit and evaluate),
/// so calls must not interleave: `Sequential.predict` holds every stateful layer's stream for the whole call
/// and refuses (`.busy`) a concurrent one instead of mixing two callers' sequences.
package protocol StatefulLayer: AnyObject {
    /// Whether the layer keeps state between calls now.
    var isStateful: Bool { get }
    /// Keras's `reset_states()`: the next call starts from zeros.
    func resetStates()
    /// Takes the layer's stream for one call; false when another call holds it.
    func tryAcquireStream() -> Bool
    func releaseStream()
    /// Runs `body` from zero states and puts the current states back afterwards.
    func withStatesReset<T>(_ body: () throws -> T) rethrows -> T
}

/// Helpers of the recurrent layers (their matrix products are `Kernels.gemm` with row strides).
enum RNNKernels {
    /// Resizes without building a shape array when the shape already matches (no per-batch allocation).
    @inline(__always) static func ensureShape(_ t: Tensor, _ a: Int, _ b: Int) {
        let s = t.shape
        if s.count == 2 && s[0] == a && s[1] == b { return }
        t.resize([a, b])
    }
    @inline(__always) static func ensureShape(_ t: Tensor, _ a: Int, _ b: Int, _ c: Int) {
        let s = t.shape
        if s.count == 3 && s[0] == a && s[1] == b && s[2] == c { return }
        t.resize([a, b, c])
    }
    @inline(__always) static func ensureShape(_ t: Tensor, _ a: Int, _ b: Int, _ c: Int, _ d: Int) {
        let s = t.shape
        if s.count == 4 && s[0] == a && s[1] == b && s[2] == c && s[3] == d { return }
        t.resize([a, b, c, d])
    }

    /// An inverted-dropout mask: 0 with probability `rate`, else 1 / (1 - rate) (as Keras's dropout).
    static func drawMask(_ m: Tensor, rate: Float, rng: inout SeededGenerator) {
        guard m.count > 0 else { return }
        let keep = 1 / (1 - rate), threshold = Double(rate)
        for i in 0..<m.count { m.data[i] = rng.uniform() < threshold ? 0 : keep }
    }
}

/// An activation applied to gate blocks: `rows` rows of `cols` values, rows `ld` apart. Sigmoid, tanh and
/// linear run as inline vectorised loops (FastMath: libm's scalar calls dominated LSTM time); any other Keras activation goes through its `ActivationFunction` one row
/// block at a time (so softmax normalises over a gate's units, as Keras's per-gate call does).
struct GateActivation: Sendable {
    enum Kind: Sendable { case sigmoid, tanh, linear, generic }
    let function: any ActivationFunction
    let kind: Kind

    init(_ f: any ActivationFunction) {
        function = f
        if f is Activations.Sigmoid { kind = .sigmoid } else if f is Activations.Tanh { kind = .tanh } else if f is Activations.Linear { kind = .linear } else { kind = .generic }
    }

    /// y = f(x); x and y may be different buffers with the same layout.
    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int, ld: Int) {
        for r in 0..<rows {
            let xr = x + r * ld, yr = y + r * ld
            switch kind {
            case .sigmoid: for c in 0..<cols { yr[c] = FastMath.sigmoid(xr[c]) }
            case .tanh: for c in 0..<cols { yr[c] = FastMath.tanh(xr[c]) }
            case .linear: for c in 0..<cols { yr[c] = xr[c] }
            case .generic: function.forward(xr, yr, rows: 1, cols: cols)
            }
        }
    }

    /// dx = dy * f'(x) given y = f(x); all four share one layout and dx may alias dy.
    func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                  rows: Int, cols: Int, ld: Int) {
        for r in 0..<rows {
            let o = r * ld
            switch kind {
            case .sigmoid: for c in 0..<cols { let v = y[o + c]; dx[o + c] = dy[o + c] * v * (1 - v) }
            case .tanh: for c in 0..<cols { let v = y[o + c]; dx[o + c] = dy[o + c] * (1 - v * v) }
            case .linear: for c in 0..<cols { dx[o + c] = dy[o + c] }
            case .generic: function.backward(x: x + o, y: y + o, dy: dy + o, dx: dx + o, rows: 1, cols: cols)
            }
        }
    }

}

/// The values a stateful layer carries from one call to the next: h (and c for LSTM), [batch, units] each.
final class RecurrentStateStore: @unchecked Sendable {
    private let lock = Lock()
    private var batch = 0
    private let h = Tensor(shape: [0])
    private let c = Tensor(shape: [0])
    private var busy = false

    /// Copies the stored state for `batch` rows into `hp` (and `cp`); false (nothing copied) when no state
    /// was stored for this batch size.
    func load(h hp: UnsafeMutablePointer<Float>, c cp: UnsafeMutablePointer<Float>?, batch b: Int, units: Int) -> Bool {
        lock.withLock {
            guard b == batch, b > 0, h.count == b * units else { return false }
            hp.update(from: h.data, count: b * units)
            if let cp {
                guard c.count == b * units else { return false }
                cp.update(from: c.data, count: b * units)
            }
            return true
        }
    }

    func save(h hp: UnsafePointer<Float>, c cp: UnsafePointer<Float>?, batch b: Int, units: Int) {
        lock.withLock {
            RNNKernels.ensureShape(h, b, units)
            h.data.update(from: hp, count: b * units)
            if let cp {
                RNNKernels.ensureShape(c, b, units)
                c.data.update(from: cp, count: b * units)
            }
            batch = b
        }
    }

    func reset() { lock.withLock { batch = 0 } }

    /// The whole state (to run something from zeros and put the state back afterwards).
    func snapshot() -> (batch: Int, h: [Float], c: [Float]) { lock.withLock { (batch, h.array, c.array) } }
    func restore(_ s: (batch: Int, h: [Float], c: [Float])) {
        lock.withLock {
            batch = s.batch
            h.resize([s.h.count]); h.data.update(from: s.h, count: s.h.count)
            c.resize([s.c.count]); c.data.update(from: s.c, count: s.c.count)
        }
    }

    /// The stored state ([h] or [h, c], each batch*units values), empty after a reset.
    var values: [[Float]] { lock.withLock { batch == 0 ? [] : (c.count == h.count ? [h.array, c.array] : [h.array]) } }

    func tryAcquire() -> Bool { lock.withLock { if busy { return false }; busy = true; return true } }
    func release() { lock.withLock { busy = false } }
}

/// Keras's arguments common to SimpleRNN, LSTM and GRU, with Keras's defaults.
package struct RecurrentOptions {
    package var activation: any ActivationFunction = Activations.Tanh()
    /// The gates' activation (LSTM and GRU; SimpleRNN has none).
    package var recurrentActivation: any ActivationFunction = Activations.Sigmoid()
    package var useBias = true
    package var kernelInitializer: any Initializer = VarianceScaling.glorotUniform(seed: nil)
    package var recurrentInitializer: any Initializer = Orthogonal()
    package var biasInitializer: any Initializer = Constant(value: 0, className: "Zeros")
    package var kernelRegularizer: Regularizer?
    package var recurrentRegularizer: Regularizer?
    package var biasRegularizer: Regularizer?
    /// Output every step ([batch, T, units]) instead of the last one ([batch, units]).
    package var returnSequences = false
    /// Process the sequence from its end; with return_sequences the outputs come in processing order.
    package var goBackwards = false
    /// Carry the final state of each call into the next (needs a fixed batch size).
    package var stateful = false
    /// Keras's unroll: the same computation here (accepted and written back).
    package var unroll = false
    /// Fraction of the inputs dropped in training (one mask per sequence, Keras clamps it into [0, 1]).
    package var dropout: Float = 0
    /// Fraction of the recurrent state dropped in training (one mask per sequence).
    package var recurrentDropout: Float = 0
    /// With a Keras mask: masked steps output zeros instead of the previous step's output (Keras's default
    /// False; Bidirectional forces it to return_sequences on both directions, as Keras does).
    package var zeroOutputForMask = false

    package init(returnSequences: Bool = false, goBackwards: Bool = false, stateful: Bool = false,
                dropout: Float = 0, recurrentDropout: Float = 0) {
        self.returnSequences = returnSequences
        self.goBackwards = goBackwards
        self.stateful = stateful
        self.dropout = dropout
        self.recurrentDropout = recurrentDropout
    }

    /// The common keys of a Keras RNN config, in either dialect. Refuses what SeqNN cannot compute
    /// (return_state, time_major=true, constraints, activity regularizers) and ignores what does not
    /// change the computation (implementation, seed, use_cudnn).
    init(config c: LayerConfig, hasRecurrentActivation: Bool) throws {
        self.init()
        try c.rejectSet(["activity_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint"])
        if c.has("return_state"), c.json["return_state"]?.bool != false {
            throw SeqNNError(.unsupported, "\(c.label): return_state=True is not representable in a Sequential model (the layer would output its states as extra tensors); use return_state=False")
        }
        if c.has("time_major"), c.json["time_major"]?.bool != false {
            throw SeqNNError(.unsupported, "\(c.label): time_major=True is not supported; SeqNN takes inputs as (batch, timesteps, features)")
        }
        if c.has("implementation") {
            let i = try c.int("implementation")
            guard (0...2).contains(i) else { throw c.fail("implementation", "1 or 2") }
        }
        if c.json["activation"] != nil { activation = try c.activation() }
        if hasRecurrentActivation, c.json["recurrent_activation"] != nil { recurrentActivation = try c.activation("recurrent_activation") }
        useBias = try c.bool("use_bias", default: true)
        kernelInitializer = try c.initializer("kernel_initializer", default: kernelInitializer)
        recurrentInitializer = try c.initializer("recurrent_initializer", default: recurrentInitializer)
        biasInitializer = try c.initializer("bias_initializer", default: biasInitializer)
        kernelRegularizer = try c.regularizer("kernel_regularizer")
        recurrentRegularizer = try c.regularizer("recurrent_regularizer")
        biasRegularizer = try c.regularizer("bias_regularizer")
        returnSequences = try c.bool("return_sequences", default: false)
        goBackwards = try c.bool("go_backwards", default: false)
        stateful = try c.bool("stateful", default: false)
        unroll = try c.bool("unroll", default: false)
        zeroOutputForMask = try c.bool("zero_output_for_mask", default: false)
        dropout = try c.float("dropout", default: 0)
        recurrentDropout = try c.float("recurrent_dropout", default: 0)
    }

    /// The units of a config: a positive integer, required.
    static func units(_ c: LayerConfig) throws -> Int {
        guard c.has("units") else { throw c.fail("units", "a positive integer") }
        let u = try c.int("units")
        guard u > 0 else { throw c.fail("units", "a positive integer") }
        return u
    }
}

/// Buffers of one recurrent pass: the layer state's `Slot` buffers, and the cell's own buffers (LSTM's
/// carry, GRU's gate parts) in a child state so their names never clash. Wrappers (Bidirectional) give each
/// inner layer a child state of their own.
struct RNNScratch {
    let state: LayerState
    @inline(__always) subscript(_ slot: RecurrentLayer.Slot) -> Tensor { state.buffer(slot) }
    @inline(__always) subscript<N: BufferName>(cell name: N) -> Tensor { state.child(0).buffer(name) }
    /// Packed copies of the recurrent kernel for the per-step products: R's gate block k at index k
    /// (forward), R^T's at 4 + k (backward). Invalidated at the start of each pass.
    @inline(__always) func packed(_ i: Int) -> PackedB { state.packedB(i) }
    func invalidatePacked() { for i in 0..<8 { packed(i).invalidate() } }
}

/// The base of SimpleRNN, LSTM and GRU. Subclasses give the gate count, the weight shapes and the cell's
/// step loops; this class owns configuration, weights, masks, the input projection and stateful state.
package class RecurrentLayer: Layer, StatefulLayer, @unchecked Sendable {
    package let units: Int
    package let activation: any ActivationFunction
    package let recurrentActivation: any ActivationFunction
    package let useBias: Bool
    package let kernelInitializer: any Initializer
    package let recurrentInitializer: any Initializer
    package let biasInitializer: any Initializer
    package let kernelRegularizer: Regularizer?
    package let recurrentRegularizer: Regularizer?
    package let biasRegularizer: Regularizer?
    package let returnSequences: Bool
    package let goBackwards: Bool
    package let stateful: Bool
    package let unroll: Bool
    /// Clamped into [0, 1] as Keras does; applied in training when strictly between 0 and 1.
    package let dropout: Float
    package let recurrentDropout: Float
    /// Keras's zero_output_for_mask (a `var`: Bidirectional sets it on the layers it wraps).
    package var zeroOutputForMask: Bool
    package private(set) var kernel: Parameter?
    package private(set) var recurrentKernel: Parameter?
    package private(set) var bias: Parameter?
    private var params: [Parameter] = []
    /// Prepended to the weight names ("forward_lstm/" inside Bidirectional) so saved names stay unique.
    var weightPrefix = ""
    let store = RecurrentStateStore()
    let act: GateActivation
    let recAct: GateActivation
    package private(set) var timesteps = 0
    package private(set) var inputDim = 0

    // Per-pass buffers (`RNNScratch`): each keeps one shape per layer configuration, so resizing per batch
    // never allocates. Cells name theirs in their own enum (`RNNScratch[cell:]`).
    // stepMask: the Keras mask in processing order [T, B] (1 use, 0 skip), [0, B] without a mask; held: the
    // state gradients of masked rows kept across a backward step [2, B, u].
    enum Slot: Int, BufferName { case xt, inMask, recMask, z, a, h, hp, dz, dh, tmp, dxt, tmp2, tmp3, rt, stepMask, held }

    // Cell hooks.
    /// Gate blocks in the kernel's columns: 1 (SimpleRNN), 4 (LSTM: i, f, c, o), 3 (GRU: z, r, h).
    var gateCount: Int { 1 }
    /// The Keras cell name in weight paths ("lstm_cell").
    var cellName: String { "rnn_cell" }
    var biasShape: [Int] { [gateCount * units] }
    /// Keras uses one mask per gate when recurrent dropout is on (its `implementation=1` path, which it
    /// forces then) and one shared mask otherwise. SimpleRNN always shares one.
    var perGateMasks: Bool { gateCount > 1 && recurrentDropout > 0 }
    /// Whether the state has a carry (LSTM's c).
    var hasCarry: Bool { false }

    init(units: Int, options o: RecurrentOptions, name: String) throws {
        guard units > 0 else { throw SeqNNError(.invalidArgument, "\(name): units must be a positive integer, found \(units)") }
        guard o.dropout.isFinite, o.recurrentDropout.isFinite else {
            throw SeqNNError(.invalidArgument, "\(name): dropout and recurrent_dropout must be finite numbers")
        }
        self.units = units
        activation = o.activation
        recurrentActivation = o.recurrentActivation
        useBias = o.useBias
        kernelInitializer = o.kernelInitializer
        recurrentInitializer = o.recurrentInitializer
        biasInitializer = o.biasInitializer
        kernelRegularizer = o.kernelRegularizer
        recurrentRegularizer = o.recurrentRegularizer
        biasRegularizer = o.biasRegularizer
        returnSequences = o.returnSequences
        goBackwards = o.goBackwards
        stateful = o.stateful
        unroll = o.unroll
        dropout = min(1, max(0, o.dropout))
        recurrentDropout = min(1, max(0, o.recurrentDropout))
        zeroOutputForMask = o.zeroOutputForMask
        act = GateActivation(o.activation)
        recAct = GateActivation(o.recurrentActivation)
        super.init(name: name)
    }

    /// The options this layer was made with (to make a copy, e.g. Bidirectional's backward layer).
    var options: RecurrentOptions {
        var o = RecurrentOptions(returnSequences: returnSequences, goBackwards: goBackwards, stateful: stateful,
                                 dropout: dropout, recurrentDropout: recurrentDropout)
        o.activation = activation
        o.recurrentActivation = recurrentActivation
        o.useBias = useBias
        o.kernelInitializer = kernelInitializer
        o.recurrentInitializer = recurrentInitializer
        o.biasInitializer = biasInitializer
        o.kernelRegularizer = kernelRegularizer
        o.recurrentRegularizer = recurrentRegularizer
        o.biasRegularizer = biasRegularizer
        o.unroll = unroll
        o.zeroOutputForMask = zeroOutputForMask
        return o
    }

    override package func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
        guard inputShape.count == 2, inputShape[0] > 0, inputShape[1] > 0 else {
            throw SeqNNError.shape("\(kerasClassName) '\(name)' expects inputs of shape (batch, timesteps, features), found \(describeShape(inputShape))")
        }
        let gu = gateCount * units
        guard Tensor.checkedElementCount([inputShape[1], gu]) != nil, Tensor.checkedElementCount([units, gu]) != nil else {
            throw SeqNNError(.invalidArgument, "\(kerasClassName) '\(name)': the kernels for \(inputShape[1]) features and \(units) units are too large")
        }
        timesteps = inputShape[0]
        inputDim = inputShape[1]
        let k = Parameter(name: weightPrefix + cellName + "/kernel", shape: [inputDim, gu], regularizer: kernelRegularizer)
        kernelInitializer.fill(k.value, rng: &rng)
        let r = Parameter(name: weightPrefix + cellName + "/recurrent_kernel", shape: [units, gu], regularizer: recurrentRegularizer)
        recurrentInitializer.fill(r.value, rng: &rng)
        kernel = k
        recurrentKernel = r
        if useBias {
            let b = Parameter(name: weightPrefix + cellName + "/bias", shape: biasShape, regularizer: biasRegularizer)
            initializeBias(b, rng: &rng)
            bias = b
        }
        params = [kernel, recurrentKernel, bias].compactMap { $0 }
        return returnSequences ? [timesteps, units] : [units]
    }

    func initializeBias(_ b: Parameter, rng: inout SeededGenerator) { biasInitializer.fill(b.value, rng: &rng) }

    override package var parameters: [Parameter] { params }
    /// Keras 3 keeps a recurrent layer's weights on its cell.
    override package var kerasVariableGroups: [String] { params.map { _ in "cell/vars" } }

    /// Keras's kernel [features, gates*units], recurrent kernel [units, gates*units] and bias (GRU with
    /// reset_after keeps two bias rows): at most gates * units * (features + units + 2).
    override package func declaredWeightCount(inputShape: [Int]) -> Int {
        Size.product(Size.product(gateCount, units), Size.sum(Size.sum(inputShape.last ?? 0, units), 2))
    }

    // MARK: Masks

    /// Keras's RNN: `supports_masking`; the mask ([batch, timesteps]) makes masked steps keep the state,
    /// and `compute_mask` returns it with return_sequences (in input order, even with go_backwards) and
    /// nothing otherwise.
    override package func maskOutput(inputMask: [Int]?) throws -> MaskOutput {
        guard let m = inputMask else { return .consumes }
        guard m == [timesteps] else {
            throw SeqNNError.shape("\(kerasClassName) '\(name)' receives a mask of shape \(describeShape(m)); a recurrent layer takes one mask value per timestep, \(describeShape([timesteps]))")
        }
        return returnSequences ? .passes : .consumes
    }

    // MARK: Stateful

    package var isStateful: Bool { stateful }
    package func resetStates() { store.reset() }
    package func tryAcquireStream() -> Bool { !stateful || store.tryAcquire() }
    package func releaseStream() { if stateful { store.release() } }
    package func withStatesReset<T>(_ body: () throws -> T) rethrows -> T {
        let saved = store.snapshot()
        store.reset()
        defer { store.restore(saved) }
        return try body()
    }
    /// The state a stateful layer will start its next call from: [h] or [h, c] (batch * units values each);
    /// empty when it starts from zeros.
    package var states: [[Float]] { store.values }

    // MARK: Forward

    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        forwardCore(x, RNNScratch(state: state), output: state.output, mask: state.inputMask, training: training, rng: &rng)
    }

    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        backwardCore(x, dy, RNNScratch(state: state), gradInput: needInputGrad ? state.gradInput : nil)
    }

    /// The input time step that processing step `s` reads.
    @inline(__always) func time(_ s: Int) -> Int { goBackwards ? timesteps - 1 - s : s }

    /// x [B, T, in] -> `output` [B, T, u] or [B, u], keeping in `s` what backward needs. `mask` [B, T] is
    /// Keras's mask (1 use the step, 0 skip it), or nil.
    func forwardCore(_ x: Tensor, _ s: RNNScratch, output: Tensor, mask: Tensor?, training: Bool, rng: inout SeededGenerator) {
        guard let kernel else { return }
        let B = x.rows, T = timesteps, I = inputDim, u = units, gu = gateCount * units
        let stepMask = s[Slot.stepMask]
        RNNKernels.ensureShape(stepMask, mask == nil ? 0 : T, B)
        if let mask {   // processing order: go_backwards reverses the mask with the inputs (Keras too)
            for st in 0..<T { for b in 0..<B { stepMask.data[st * B + b] = mask.data[b * T + time(st)] } }
        }
        let nm = training && dropout > 0 && dropout < 1 ? (perGateMasks ? gateCount : 1) : 0
        let nr = training && recurrentDropout > 0 && recurrentDropout < 1 ? (perGateMasks ? gateCount : 1) : 0
        let inMask = s[Slot.inMask], recMask = s[Slot.recMask]
        RNNKernels.ensureShape(inMask, nm, B, I)
        RNNKernels.ensureShape(recMask, nr, B, u)
        RNNKernels.drawMask(inMask, rate: dropout, rng: &rng)
        RNNKernels.drawMask(recMask, rate: recurrentDropout, rng: &rng)

        // Inputs step-major (and masked), then x.W + b for every step in one gemm per mask group.
        let groups = max(nm, 1)
        let xt = s[Slot.xt]
        RNNKernels.ensureShape(xt, groups, T, B, I)
        for j in 0..<groups {
            for st in 0..<T {
                let t = time(st)
                for b in 0..<B {
                    let src = x.data + (b * T + t) * I, dst = xt.data + ((j * T + st) * B + b) * I
                    if nm > 0 {
                        let m = inMask.data + (j * B + b) * I
                        for i in 0..<I { dst[i] = src[i] * m[i] }
                    } else {
                        dst.update(from: src, count: I)
                    }
                }
            }
        }
        let z = s[Slot.z]
        RNNKernels.ensureShape(z, T, B, gu)
        for j in 0..<groups {
            let (off, w) = nm <= 1 ? (0, gu) : (j * u, u)
            // + b in the product's epilogue (GRU reset_after: b's row 0, the input bias).
            Kernels.gemm(false, false, m: T * B, n: w, k: I, a: xt.data + j * T * B * I, lda: I,
                            b: kernel.value.data + off, ldb: gu, c: z.data + off, ldc: gu, bias: bias.map { UnsafePointer($0.value.data + off) })
        }

        // Initial state: zeros, or what a stateful layer kept from its last call.
        let h = s[Slot.h]
        RNNKernels.ensureShape(h, T + 1, B, u)
        if nr > 0 { RNNKernels.ensureShape(s[Slot.hp], nr, T, B, u) }
        let c0 = hasCarry ? prepareCarry(s, B: B) : nil
        if !(stateful && store.load(h: h.data, c: c0, batch: B, units: u)) {
            h.data.update(repeating: 0, count: B * u)
            c0?.update(repeating: 0, count: B * u)
        }

        s.invalidatePacked()   // the weights may have changed since the last pass
        runForward(s, B: B, nr: nr)

        // Outputs in processing order (Keras does not re-reverse go_backwards outputs).
        // A masked step's output is the carried state (the previous output), or zeros with
        // zero_output_for_mask; the last output is the last step's (Keras's backend rnn).
        output.resize(batch: B, rest: outputShape ?? [u])
        let hd = h.data
        if returnSequences {
            for b in 0..<B {
                for st in 0..<T {
                    let dst = output.data + (b * T + st) * u
                    if zeroesOutput(s, step: st, row: b, B: B) { dst.update(repeating: 0, count: u) } else {
                        dst.update(from: hd + ((st + 1) * B + b) * u, count: u)
                    }
                }
            }
        } else {
            output.data.update(from: hd + T * B * u, count: B * u)
            for b in 0..<B where zeroesOutput(s, step: T - 1, row: b, B: B) { (output.data + b * u).update(repeating: 0, count: u) }
        }
        if stateful { store.save(h: hd + T * B * u, c: finalCarry(s, B: B), batch: B, units: u) }
    }

    /// The cell's time loop: reads z (input projections) and h[0], fills h[1...T] and what backward needs.
    /// Each step ends with `carryMaskedRows`.
    func runForward(_ s: RNNScratch, B: Int, nr: Int) {}

    /// The Keras mask of processing step `st` for batch row `b` (true: masked), when the pass has one.
    @inline(__always) func isMasked(_ s: RNNScratch, step st: Int, row b: Int, B: Int) -> Bool {
        let m = s[Slot.stepMask]
        return m.count > 0 && m.data[st * B + b] == 0
    }

    @inline(__always) func zeroesOutput(_ s: RNNScratch, step st: Int, row b: Int, B: Int) -> Bool {
        zeroOutputForMask && isMasked(s, step: st, row: b, B: B)
    }

    /// Keras's masked step: `new_states = where(mask_t, new_states, states)`. The rows masked at step `st`
    /// keep the state they had before it (h, and LSTM's carry), overwriting what the cell computed.
    func carryMaskedRows(_ s: RNNScratch, step st: Int, B: Int) {
        guard s[Slot.stepMask].count > 0 else { return }
        let u = units, n = B * u, h = s[Slot.h].data, c = carry(s)
        for b in 0..<B where isMasked(s, step: st, row: b, B: B) {
            (h + (st + 1) * n + b * u).update(from: h + st * n + b * u, count: u)
            if let c { (c + (st + 1) * n + b * u).update(from: c + st * n + b * u, count: u) }
        }
    }

    /// LSTM's carry c [T+1, B, u] and its gradient dc [B, u] in the backward pass; nil for the others.
    func carry(_ s: RNNScratch) -> UnsafeMutablePointer<Float>? { nil }
    func carryGradient(_ s: RNNScratch) -> UnsafeMutablePointer<Float>? { nil }
    /// LSTM: sizes its carry buffer and returns where c[0] goes.
    func prepareCarry(_ s: RNNScratch, B: Int) -> UnsafeMutablePointer<Float>? { nil }
    func finalCarry(_ s: RNNScratch, B: Int) -> UnsafePointer<Float>? { nil }

    /// Recurrent dropout: the masked copies of h[st] (the state step `st` reads) for each mask group.
    func prepareOperands(_ s: RNNScratch, step st: Int, B: Int, nr: Int) {
        guard nr > 0 else { return }
        let n = B * units, T = timesteps
        let h = s[Slot.h].data + st * n, m = s[Slot.recMask].data, hp = s[Slot.hp].data
        for j in 0..<nr {
            let dst = hp + (j * T + st) * n, mj = m + j * n
            for i in 0..<n { dst[i] = h[i] * mj[i] }
        }
    }

    /// The state operand step `st` feeds gate block `k`'s recurrent product ([B, u], rows u apart).
    @inline(__always) func operand(_ s: RNNScratch, gate k: Int, step st: Int, B: Int, nr: Int) -> UnsafeMutablePointer<Float> {
        let n = B * units
        if nr == 0 { return s[Slot.h].data + st * n }
        return s[Slot.hp].data + ((nr == 1 ? 0 : k) * timesteps + st) * n
    }

    /// c[:, blocks] = (or +=, beta 1) operand . R[:, blocks] for one step; c has B rows `ldc` apart.
    func recurrentProduct(_ s: RNNScratch, step st: Int, B: Int, nr: Int, blocks: Range<Int>,
                          c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float) {
        guard let recurrentKernel else { return }
        let u = units, gu = gateCount * units, r = recurrentKernel.value.data
        if nr <= 1 {
            let lo = blocks.lowerBound * u
            Kernels.gemm(false, false, m: B, n: blocks.count * u, k: u, a: operand(s, gate: 0, step: st, B: B, nr: nr), lda: u,
                            b: r + lo, ldb: gu, beta: beta, c: c + lo, ldc: ldc, packedB: s.packed(blocks.lowerBound))
        } else {
            for k in blocks {
                Kernels.gemm(false, false, m: B, n: u, k: u, a: operand(s, gate: k, step: st, B: B, nr: nr), lda: u,
                                b: r + k * u, ldb: gu, beta: beta, c: c + k * u, ldc: ldc, packedB: s.packed(k))
            }
        }
    }

    // MARK: Backward

    /// Given dLoss/dOutput, accumulates the weight gradients and writes dLoss/dx into `gradInput` (when given).
    func backwardCore(_ x: Tensor, _ dy: Tensor, _ s: RNNScratch, gradInput: Tensor?) {
        guard let kernel else { return }
        let B = x.rows, T = timesteps, I = inputDim, u = units, gu = gateCount * units
        let nm = s[Slot.inMask].shape.first ?? 0, nr = s[Slot.recMask].shape.first ?? 0
        RNNKernels.ensureShape(s[Slot.dz], T, B, gu)
        RNNKernels.ensureShape(s[Slot.dh], B, u)
        s[Slot.dh].fill(0)
        transposeRecurrentKernel(s)
        s.invalidatePacked()
        runBackward(s, dy: dy, B: B, nr: nr)

        // Input side: dW += xt^T dz, db += colsum(dz), dx = dz W^T (times the masks).
        let dz = s[Slot.dz].data, xt = s[Slot.xt].data
        let groups = max(nm, 1)
        if kernel.trainable {
            for j in 0..<groups {
                let (off, w) = nm <= 1 ? (0, gu) : (j * u, u)
                Kernels.gemm(true, false, m: I, n: w, k: T * B, a: xt + j * T * B * I, lda: I, b: dz + off, ldb: gu,
                                beta: 1, c: kernel.grad.data + off, ldc: gu)
            }
        }
        if let bias, bias.trainable { Kernels.accumulateColumnSums(dz, rows: T * B, cols: gu, into: bias.grad.data) }
        guard let gradInput else { return }
        let dxt = s[Slot.dxt]
        RNNKernels.ensureShape(dxt, T, B, I)
        let mask = s[Slot.inMask].data
        if nm <= 1 {
            Kernels.gemm(false, true, m: T * B, n: I, k: gu, a: dz, lda: gu, b: kernel.value.data, ldb: gu, c: dxt.data, ldc: I)
            if nm == 1 {
                for st in 0..<T {
                    for b in 0..<B {
                        let row = dxt.data + (st * B + b) * I, m = mask + b * I
                        for i in 0..<I { row[i] *= m[i] }
                    }
                }
            }
        } else {
            dxt.fill(0)
            let tmp = s[Slot.tmp3]
            RNNKernels.ensureShape(tmp, T, B, I)
            for k in 0..<nm {
                Kernels.gemm(false, true, m: T * B, n: I, k: u, a: dz + k * u, lda: gu, b: kernel.value.data + k * u, ldb: gu,
                                c: tmp.data, ldc: I)
                for st in 0..<T {
                    for b in 0..<B {
                        let row = dxt.data + (st * B + b) * I, tr = tmp.data + (st * B + b) * I, m = mask + (k * B + b) * I
                        for i in 0..<I { row[i] += tr[i] * m[i] }
                    }
                }
            }
        }
        gradInput.resize(x.shape)
        for st in 0..<T {
            let t = time(st)
            for b in 0..<B { (gradInput.data + (b * T + t) * I).update(from: dxt.data + (st * B + b) * I, count: I) }
        }
    }

    /// The cell's backward time loop: fills dz (dLoss/d(input projection), [T, B, G*u]) and accumulates
    /// the recurrent weight (and recurrent bias) gradients.
    func runBackward(_ s: RNNScratch, dy: Tensor, B: Int, nr: Int) {}

    /// dh += dLoss/dOutput of processing step `st` (nothing for the zeroed outputs of masked steps).
    /// With a mask, this also keeps the state gradients of the rows masked at `st` (`restoreMaskedRows`).
    @inline(__always) func addOutputGradient(_ dy: Tensor, step st: Int, into dh: UnsafeMutablePointer<Float>, B: Int,
                                             _ s: RNNScratch) {
        let u = units, T = timesteps
        if returnSequences {
            for b in 0..<B where !zeroesOutput(s, step: st, row: b, B: B) {
                let src = dy.data + (b * T + st) * u, dst = dh + b * u
                for j in 0..<u { dst[j] += src[j] }
            }
        } else if st == T - 1 {
            for b in 0..<B where !zeroesOutput(s, step: st, row: b, B: B) {
                for j in b * u..<(b + 1) * u { dh[j] += dy.data[j] }
            }
        }
        holdMaskedRows(s, step: st, B: B)
    }

    /// Before a backward step: the state gradients (dh, LSTM's dc) of the rows masked at `st`, which pass
    /// through the step unchanged (the step copied the state).
    func holdMaskedRows(_ s: RNNScratch, step st: Int, B: Int) {
        guard s[Slot.stepMask].count > 0 else { return }
        let u = units, n = B * u, held = s[Slot.held]
        RNNKernels.ensureShape(held, 2, B, u)
        let dh = s[Slot.dh].data, dc = carryGradient(s)
        for b in 0..<B where isMasked(s, step: st, row: b, B: B) {
            (held.data + b * u).update(from: dh + b * u, count: u)
            if let dc { (held.data + n + b * u).update(from: dc + b * u, count: u) }
        }
    }

    /// After a backward step: the masked rows get back the state gradients they had before it, and their
    /// gate gradients are zero (the step's computation was discarded, so nothing reaches the weights or x).
    func restoreMaskedRows(_ s: RNNScratch, step st: Int, B: Int) {
        guard s[Slot.stepMask].count > 0 else { return }
        let u = units, n = B * u, gu = gateCount * u, held = s[Slot.held].data
        let dh = s[Slot.dh].data, dc = carryGradient(s), dz = s[Slot.dz].data + st * B * gu
        for b in 0..<B where isMasked(s, step: st, row: b, B: B) {
            (dh + b * u).update(from: held + b * u, count: u)
            if let dc { (dc + b * u).update(from: held + n + b * u, count: u) }
            (dz + b * gu).update(repeating: 0, count: gu)
            zeroCellGradients(s, step: st, row: b, B: B)
        }
    }

    /// GRU: also zeroes the row of its recurrent-part gradients.
    func zeroCellGradients(_ s: RNNScratch, step st: Int, row b: Int, B: Int) {}

    /// R^T ([G*u, u], in `Slot.rt`) for this backward pass, so that every step's dh = dC . R^T is a plain
    /// NN product: OpenBLAS sends NN shapes this small to its small-matrix kernel but packs R for NT (W5's
    /// [32, 256] x [256, 64]: 9 us against 15 us per step in a micro-benchmark).
    func transposeRecurrentKernel(_ s: RNNScratch) {
        guard let recurrentKernel else { return }
        let u = units, gu = gateCount * units, rt = s[Slot.rt]
        RNNKernels.ensureShape(rt, gu, u)
        let r = recurrentKernel.value.data, d = rt.data
        for i in 0..<u {
            for c in 0..<gu { d[c * u + i] = r[i * gu + c] }
        }
    }

    /// dh = (or +=) sum over gate blocks k of (dC[:, k] . R[:, k]^T) * mask_k: the gradient reaching the
    /// state a step read. dC has B rows `lddc` apart.
    func recurrentInputGrad(_ s: RNNScratch, B: Int, nr: Int, blocks: Range<Int>, dC: UnsafePointer<Float>, lddc: Int,
                            into dh: UnsafeMutablePointer<Float>, accumulate: Bool) {
        guard recurrentKernel != nil else { return }
        let u = units, rt = s[Slot.rt].data, n = B * u   // rows of R^T: transposeRecurrentKernel
        if nr == 0 {
            let lo = blocks.lowerBound * u
            Kernels.gemm(false, false, m: B, n: u, k: blocks.count * u, a: dC + lo, lda: lddc, b: rt + lo * u, ldb: u,
                            beta: accumulate ? 1 : 0, c: dh, ldc: u, packedB: s.packed(4 + blocks.lowerBound))
            return
        }
        if !accumulate { dh.update(repeating: 0, count: n) }
        let tmp = s[Slot.tmp2]
        RNNKernels.ensureShape(tmp, B, u)
        let mask = s[Slot.recMask].data
        if nr == 1 {
            let lo = blocks.lowerBound * u
            Kernels.gemm(false, false, m: B, n: u, k: blocks.count * u, a: dC + lo, lda: lddc, b: rt + lo * u, ldb: u, c: tmp.data, ldc: u,
                            packedB: s.packed(4 + blocks.lowerBound))
            for i in 0..<n { dh[i] += tmp.data[i] * mask[i] }
        } else {
            for k in blocks {
                Kernels.gemm(false, false, m: B, n: u, k: u, a: dC + k * u, lda: lddc, b: rt + k * u * u, ldb: u, c: tmp.data, ldc: u,
                                packedB: s.packed(4 + k))
                let m = mask + k * n
                for i in 0..<n { dh[i] += tmp.data[i] * m[i] }
            }
        }
    }

    /// dR[:, blocks] += operands^T . dC[:, blocks] over all T*B rows (dC: [T, B] rows `lddc` apart).
    func recurrentWeightGrad(_ s: RNNScratch, B: Int, nr: Int, blocks: Range<Int>, dC: UnsafePointer<Float>, lddc: Int) {
        guard let recurrentKernel, recurrentKernel.trainable else { return }
        let u = units, gu = gateCount * units, tb = timesteps * B
        let g = recurrentKernel.grad.data
        if nr <= 1 {
            let lo = blocks.lowerBound * u
            let a = nr == 0 ? s[Slot.h].data : s[Slot.hp].data   // h[0..<T]: the state each step read
            Kernels.gemm(true, false, m: u, n: blocks.count * u, k: tb, a: a, lda: u, b: dC + lo, ldb: lddc,
                            beta: 1, c: g + lo, ldc: gu)
        } else {
            for k in blocks {
                Kernels.gemm(true, false, m: u, n: u, k: tb, a: s[Slot.hp].data + k * tb * u, lda: u, b: dC + k * u, ldb: lddc,
                                beta: 1, c: g + k * u, ldc: gu)
            }
        }
    }

    // MARK: Config

    /// The keys every recurrent layer writes, in Keras 2's order, without `time_major` and `implementation`
    /// (Keras 3 rejects the first, Keras 3.3 rejects GRU's second; format §5.4, §10).
    func recurrentConfig(extra: [(String, JSON)], recurrentActivation: Bool) -> [(String, JSON)] {
        var out: [(String, JSON)] = [
            ("return_sequences", .bool(returnSequences)), ("return_state", false), ("go_backwards", .bool(goBackwards)),
            ("stateful", .bool(stateful)), ("unroll", .bool(unroll)), ("units", .number(Double(units))),
            ("activation", .string(activation.configName)),
        ]
        if recurrentActivation { out.append(("recurrent_activation", .string(self.recurrentActivation.configName))) }
        out += [("use_bias", .bool(useBias)), ("kernel_initializer", kernelInitializer.json),
                ("recurrent_initializer", recurrentInitializer.json), ("bias_initializer", biasInitializer.json)]
        out += extra.filter { $0.0 == "unit_forget_bias" }
        out += [("kernel_regularizer", kernelRegularizer?.json ?? .null), ("recurrent_regularizer", recurrentRegularizer?.json ?? .null),
                ("bias_regularizer", biasRegularizer?.json ?? .null), ("activity_regularizer", .null),
                ("kernel_constraint", .null), ("recurrent_constraint", .null), ("bias_constraint", .null),
                ("dropout", .number(Double(dropout))), ("recurrent_dropout", .number(Double(recurrentDropout)))]
        out += extra.filter { $0.0 != "unit_forget_bias" }
        // Keras 2 writes it only when true (Keras 3 always; both read it absent as false).
        if zeroOutputForMask { out.append(("zero_output_for_mask", true)) }
        return out
    }


}
