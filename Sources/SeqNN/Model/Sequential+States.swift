/// Models with recurrent layers: stateful layers (Keras's `stateful=True`, `reset_states()`) and the checks
/// predict, fit, evaluate and train_on_batch make for them.
///
/// A stateful layer starts each call from the state its previous call ended in (in predict, fit and
/// evaluate alike, as in Keras), so it needs a fixed batch size (`batch_size` on the Input, or
/// `batch_input_shape`) and every batch must have exactly that many samples: row i of one batch continues
/// the sequence of row i of the previous batch. Calls on such a model must not interleave, so `predict`
/// takes every stateful layer's stream for the whole call and a second concurrent predict fails with
/// `.busy` (predict on a model without stateful layers stays freely concurrent).
extension Sequential {
    /// Whether any layer keeps state between calls.
    public var hasStatefulLayers: Bool { layers.contains { ($0 as? StatefulLayer)?.isStateful == true } }

    /// Keras's `model.reset_states()`: every stateful layer starts its next call from zeros. Allowed from
    /// fit's own epoch callback (the usual place to reset between epochs); `.busy` during another call.
    public func resetStates() throws {
        try access.shared("reset_states") {
            for l in layers { (l as? StatefulLayer)?.resetStates() }
        }
    }

    /// Runs `body` (e.g. a predict) as a freshly loaded model would: every stateful layer starts from zeros,
    /// and afterwards holds the state it had before. For the test batch a model file stores: Keras files do
    /// not keep RNN states, so a reloaded stateful model starts from zeros.
    package func withStatesReset<T>(_ body: () throws -> T) throws -> T {
        let stateful = layers.compactMap { $0 as? StatefulLayer }
        func run(_ i: Int) throws -> T { i == stateful.count ? try body() : try stateful[i].withStatesReset { try run(i + 1) } }
        return try run(0)
    }

    /// The checks a recurrent model needs before running `samples` samples of `x` in batches of `batch`:
    /// the ids of a first-layer Embedding lie in [0, input_dim), and with stateful layers the batch size is
    /// the model's fixed one and divides the sample count.
    func checkSequenceData(_ x: UnsafeBufferPointer<Float>, samples: Int, batch: Int, what: String) throws {
        if let first = layers.first, let base = x.baseAddress, let size = inputSize,
           let msg = first.invalidInputMessage(base, count: min(x.count, samples * size)) {
            throw SeqNNError(.invalidArgument, "\(what): \(msg)")
        }
        guard hasStatefulLayers else { return }
        var names: String { layers.filter { ($0 as? StatefulLayer)?.isStateful == true }.map { "'\($0.name)'" }.joined(separator: ", ") }
        guard let fixed = batchSize else {
            throw SeqNNError(.invalidArgument, "\(what): the stateful layer(s) \(names) need a fixed batch size; give the input one (Input(batch_size=...) or batch_input_shape=[batch, ...])")
        }
        guard batch == fixed else {
            throw SeqNNError(.invalidArgument, "\(what): the model has stateful layer(s) \(names) for batches of \(fixed) samples; batch_size \(batch) was given")
        }
        guard samples % fixed == 0 else {
            throw SeqNNError(.shapeMismatch, "\(what): \(samples) samples are not a whole number of batches of \(fixed), which the stateful layer(s) \(names) need (each row continues a sequence)")
        }
    }

    /// Runs `body` holding the stream of every stateful layer, or fails with `.busy` when another call
    /// holds one (two interleaved predicts would each continue the other's sequences).
    func withStatefulStreams<T>(_ what: String, _ body: () throws -> T) throws -> T {
        var held = 0
        for l in layers {
            guard let s = l as? StatefulLayer, s.isStateful else { continue }
            if !s.tryAcquireStream() {
                releaseStreams(count: held)
                throw SeqNNError(.busy, "\(what): the model has stateful layers and another call is running them; calls on a stateful model must not overlap (each continues the sequences of the last)")
            }
            held += 1
        }
        defer { releaseStreams(count: held) }
        return try body()
    }

    private func releaseStreams(count: Int) {
        var left = count
        for l in layers where left > 0 {
            guard let s = l as? StatefulLayer, s.isStateful else { continue }
            s.releaseStream()
            left -= 1
        }
    }
}
