/// `keras.layers.Bidirectional`: runs a recurrent layer over the sequence and a copy of it over the reversed
/// sequence, and merges their outputs.
///
/// - `merge_mode`: "concat" (default; last axis 2u), "sum", "mul", "ave". Keras's `None` returns two tensors,
///   which a Sequential cannot hold, and is refused.
/// - With return_sequences the backward layer's outputs are flipped back into input order before merging
///   (Keras does the same), so step t of the output sees x[0...t] forward and x[t...T-1] backward.
/// - Weights (Keras order): the forward layer's, then the backward layer's, named `forward_<name>/...` and
///   `backward_<name>/...`. The backward layer is a copy of the forward one with go_backwards flipped, unless
///   the config gives `backward_layer` (Keras 3 always writes it; SeqNN writes it only when it differs).
package final class Bidirectional: Layer, StatefulLayer, @unchecked Sendable {
    override package class var kerasClassName: String { "Bidirectional" }

    package enum MergeMode: String, Sendable { case concat, sum, mul, ave }

    package let forwardLayer: RecurrentLayer
    package let backwardLayer: RecurrentLayer
    package let mergeMode: MergeMode
    private var params: [Parameter] = []

    // Each direction's pass buffers live in child states 0 (forward) and 1 (backward); these are the
    // directions' outputs, output gradients and input gradients.
    enum Buffer: Int, BufferName { case yf, yb, dyf, dyb, dxf, dxb }

    package init(_ layer: RecurrentLayer, mergeMode: MergeMode = .concat, backwardLayer: RecurrentLayer? = nil,
                name: String = "bidirectional") throws {
        let base = Bidirectional.baseName(layer.name)
        if let bl = backwardLayer {
            guard bl.returnSequences == layer.returnSequences else {
                throw SeqNNError(.invalidArgument, "Bidirectional '\(name)': the forward and backward layers must have the same return_sequences")
            }
            guard bl.goBackwards != layer.goBackwards else {
                throw SeqNNError(.invalidArgument, "Bidirectional '\(name)': backward_layer must run in the other direction (go_backwards \(!layer.goBackwards))")
            }
            guard bl.units == layer.units || mergeMode == .concat else {
                throw SeqNNError(.invalidArgument, "Bidirectional '\(name)': merge_mode '\(mergeMode.rawValue)' needs forward and backward layers with the same units, found \(layer.units) and \(bl.units)")
            }
        }
        forwardLayer = layer
        self.backwardLayer = try backwardLayer ?? Bidirectional.reversedCopy(of: layer, name: "backward_" + base)
        self.mergeMode = mergeMode
        super.init(name: name)
        forwardLayer.name = "forward_" + base
        if backwardLayer != nil, !self.backwardLayer.name.hasPrefix("backward_") {
            self.backwardLayer.name = "backward_" + Bidirectional.baseName(self.backwardLayer.name)
        }
        forwardLayer.weightPrefix = forwardLayer.name + "/"
        self.backwardLayer.weightPrefix = self.backwardLayer.name + "/"
        // Keras's Bidirectional sets zero_output_for_mask = return_sequences on both directions, so masked
        // steps of a merged sequence are zeros from either side.
        forwardLayer.zeroOutputForMask = forwardLayer.returnSequences
        self.backwardLayer.zeroOutputForMask = self.backwardLayer.returnSequences
    }

    /// "forward_lstm" -> "lstm" (Keras 3 configs name the inner layer with the prefix already).
    static func baseName(_ n: String) -> String {
        for p in ["forward_", "backward_"] where n.hasPrefix(p) && n.count > p.count { return String(n.dropFirst(p.count)) }
        return n
    }

    /// The same layer running the other way (Keras: `layer.from_config` with go_backwards flipped).
    static func reversedCopy(of l: RecurrentLayer, name: String) throws -> RecurrentLayer {
        var o = l.options
        o.goBackwards.toggle()
        switch l {
        case let x as LSTM: return try LSTM(units: x.units, options: o, unitForgetBias: x.unitForgetBias, name: name)
        case let x as GRU: return try GRU(units: x.units, options: o, resetAfter: x.resetAfter, name: name)
        case let x as SimpleRNN: return try SimpleRNN(units: x.units, options: o, name: name)
        default: throw SeqNNError(.unsupported, "Bidirectional cannot wrap \(l.kerasClassName); it wraps SimpleRNN, LSTM and GRU")
        }
    }

    package var returnSequences: Bool { forwardLayer.returnSequences }

    override package func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
        let f = try forwardLayer.buildChecked(inputShape: inputShape, rng: &rng)
        let b = try backwardLayer.buildChecked(inputShape: inputShape, rng: &rng)
        params = forwardLayer.parameters + backwardLayer.parameters
        var out = f
        if mergeMode == .concat { out[out.count - 1] = f.last! + b.last! }
        return out
    }

    override package var parameters: [Parameter] { params }
    override package var kerasVariableGroups: [String] {
        forwardLayer.kerasVariableGroups.map { "forward_layer/" + $0 } + backwardLayer.kerasVariableGroups.map { "backward_layer/" + $0 }
    }

    override package func declaredWeightCount(inputShape: [Int]) -> Int {
        Size.sum(forwardLayer.declaredWeightCount(inputShape: inputShape), backwardLayer.declaredWeightCount(inputShape: inputShape))
    }

    // MARK: Masks

    /// Keras: the wrapped layers read the mask; the output carries it with return_sequences.
    override package func maskOutput(inputMask: [Int]?) throws -> MaskOutput {
        _ = try forwardLayer.maskOutput(inputMask: inputMask)
        return try backwardLayer.maskOutput(inputMask: inputMask)
    }

    // MARK: Stateful

    package var isStateful: Bool { forwardLayer.stateful || backwardLayer.stateful }
    package func resetStates() {
        forwardLayer.resetStates()
        backwardLayer.resetStates()
    }
    package func tryAcquireStream() -> Bool {
        guard forwardLayer.tryAcquireStream() else { return false }
        guard backwardLayer.tryAcquireStream() else { forwardLayer.releaseStream(); return false }
        return true
    }
    package func releaseStream() {
        forwardLayer.releaseStream()
        backwardLayer.releaseStream()
    }
    package func withStatesReset<T>(_ body: () throws -> T) rethrows -> T {
        try forwardLayer.withStatesReset { try backwardLayer.withStatesReset(body) }
    }

    // MARK: Passes

    /// Position of output step `t` in the backward layer's outputs: flipped with return_sequences.
    @inline(__always) private func bwStep(_ t: Int, _ T: Int) -> Int { returnSequences ? T - 1 - t : t }

    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        guard let outShape = outputShape else { return }
        let yf = state.buffer(Buffer.yf), yb = state.buffer(Buffer.yb)
        // Both directions read the same mask; the backward one reverses it with its inputs.
        forwardLayer.forwardCore(x, RNNScratch(state: state.child(0)), output: yf, mask: state.inputMask, training: training, rng: &rng)
        backwardLayer.forwardCore(x, RNNScratch(state: state.child(1)), output: yb, mask: state.inputMask, training: training, rng: &rng)
        let B = x.rows, T = returnSequences ? forwardLayer.timesteps : 1
        let uf = forwardLayer.units, ub = backwardLayer.units, w = outShape.last!
        state.output.resize(batch: B, rest: outShape)
        let y = state.output.data
        for b in 0..<B {
            for t in 0..<T {
                let f = yf.data + (b * T + t) * uf, g = yb.data + (b * T + bwStep(t, T)) * ub, o = y + (b * T + t) * w
                switch mergeMode {
                case .concat:
                    o.update(from: f, count: uf)
                    (o + uf).update(from: g, count: ub)
                case .sum: for j in 0..<w { o[j] = f[j] + g[j] }
                case .mul: for j in 0..<w { o[j] = f[j] * g[j] }
                case .ave: for j in 0..<w { o[j] = (f[j] + g[j]) * 0.5 }
                }
            }
        }
    }

    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        let yf = state.buffer(Buffer.yf), yb = state.buffer(Buffer.yb)
        let dyf = state.buffer(Buffer.dyf), dyb = state.buffer(Buffer.dyb)
        dyf.resize(yf.shape)
        dyb.resize(yb.shape)
        let B = x.rows, T = returnSequences ? forwardLayer.timesteps : 1
        let uf = forwardLayer.units, ub = backwardLayer.units, w = outputShape?.last ?? uf
        for b in 0..<B {
            for t in 0..<T {
                let d = dy.data + (b * T + t) * w, fo = (b * T + t) * uf, bo = (b * T + bwStep(t, T)) * ub
                let df = dyf.data + fo, db = dyb.data + bo, f = yf.data + fo, g = yb.data + bo
                switch mergeMode {
                case .concat:
                    df.update(from: d, count: uf)
                    db.update(from: d + uf, count: ub)
                case .sum: for j in 0..<w { df[j] = d[j]; db[j] = d[j] }
                case .mul: for j in 0..<w { df[j] = d[j] * g[j]; db[j] = d[j] * f[j] }
                case .ave: for j in 0..<w { df[j] = d[j] * 0.5; db[j] = d[j] * 0.5 }
                }
            }
        }
        let dxf = state.buffer(Buffer.dxf), dxb = state.buffer(Buffer.dxb)
        forwardLayer.backwardCore(x, dyf, RNNScratch(state: state.child(0)), gradInput: needInputGrad ? dxf : nil)
        backwardLayer.backwardCore(x, dyb, RNNScratch(state: state.child(1)), gradInput: needInputGrad ? dxb : nil)
        guard needInputGrad else { return }
        state.gradInput.resize(x.shape)
        for i in 0..<x.count { state.gradInput.data[i] = dxf.data[i] + dxb.data[i] }
    }

    // MARK: Config

    override package func layerConfig() -> [(String, JSON)] {
        func entry(_ l: RecurrentLayer, name: String) -> JSON {
            var c = l.config()
            c = c.setting("name", .string(name))
            // zero_output_for_mask too: Keras's Bidirectional sets it from return_sequences on construction.
            if case .object(var pairs) = c { pairs.removeAll { $0.0 == "batch_input_shape" || $0.0 == "zero_output_for_mask" }; c = .object(pairs) }
            return .object([("module", "keras.layers"), ("class_name", .string(l.kerasClassName)), ("config", c), ("registered_name", .null)])
        }
        var out: [(String, JSON)] = [("layer", entry(forwardLayer, name: Bidirectional.baseName(forwardLayer.name))),
                                     ("merge_mode", .string(mergeMode.rawValue))]
        // The backward layer only when it is not the plain reversed copy Keras would make.
        let derived = try? Bidirectional.reversedCopy(of: forwardLayer, name: backwardLayer.name)
        if derived.map({ $0.kerasClassName != backwardLayer.kerasClassName || JSON.object($0.layerConfig()) != JSON.object(backwardLayer.layerConfig()) }) ?? true {
            out.append(("backward_layer", entry(backwardLayer, name: backwardLayer.name)))
        }
        return out
    }
}

extension Bidirectional {
    convenience init(config c: LayerConfig) throws {
        func inner(_ key: String) throws -> RecurrentLayer? {
            guard let j = c.json[key], !j.isNull else { return nil }
            guard let cls = j["class_name"]?.string else { throw c.fail(key, "a wrapped layer, {\"class_name\": \"LSTM\", \"config\": {...}}") }
            guard ["SimpleRNN", "LSTM", "GRU"].contains(cls) else {
                throw SeqNNError(.unsupported, "\(c.label): Bidirectional(\(cls)) is not supported; SeqNN's Bidirectional wraps SimpleRNN, LSTM and GRU")
            }
            guard let l = try LayerRegistry.make(className: cls, config: j["config"] ?? .object([]), kerasMajor: c.kerasMajor) as? RecurrentLayer else {
                throw c.fail(key, "a recurrent layer")
            }
            l.declaredBatchInputShape = nil
            return l
        }
        guard let layer = try inner("layer") else { throw c.fail("layer", "a wrapped layer, {\"class_name\": \"LSTM\", \"config\": {...}}") }
        var mode = MergeMode.concat
        if let m = c.json["merge_mode"] {
            guard let s = m.string else {
                throw SeqNNError(.unsupported, "\(c.label): merge_mode=None (two separate outputs) is not representable in a Sequential model; use concat, sum, mul or ave")
            }
            guard let v = MergeMode(rawValue: s) else { throw c.fail("merge_mode", "one of concat, sum, mul, ave") }
            mode = v
        }
        try self.init(layer, mergeMode: mode, backwardLayer: inner("backward_layer"), name: c.name ?? "bidirectional")
    }
}
