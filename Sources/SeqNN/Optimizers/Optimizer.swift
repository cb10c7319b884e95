/// The Keras optimizer base (`keras.optimizers.Optimizer`): learning rate, gradient clipping, weight decay,
/// the iteration counter and per-weight slot variables. Subclasses implement `update` for one weight.
///
/// One step follows Keras 3's `BaseOptimizer.apply`: clip the gradients (clipvalue, clipnorm per weight,
/// or global_clipnorm over all), apply decoupled weight decay w -= w * weight_decay * lr, run each weight's
/// `update` with step = iterations + 1, then count the iteration.
package class Optimizer: @unchecked Sendable {
    package class var kerasClassName: String { fatalError("subclass must override kerasClassName") }
    package var kerasClassName: String { Swift.type(of: self).kerasClassName }

    /// The rate the next step uses. With a schedule it is the schedule's value, set before each step.
    package var learningRate: Float
    /// A learning-rate schedule given as `learning_rate` (then the rate is not settable, as in Keras).
    package let schedule: LearningRateSchedule?
    package var clipnorm: Float?
    package var clipvalue: Float?
    package var globalClipnorm: Float?
    package var weightDecay: Float?
    /// Completed steps (Keras's `iterations`).
    package var iterations: Int = 0
    /// Slot variables per trainable weight, in the order of the weights (Keras's optimizer variables).
    package internal(set) var slots: [[Tensor]] = []
    /// Names of each weight's slots ("momentum", "velocity"), as Keras 3 names its optimizer variables.
    package var slotNames: [String] { [] }

    /// Reads the options every Keras optimizer shares from its config.
    package init(config c: JSON, defaultLearningRate: Float) throws {
        func positive(_ k: String) throws -> Float? {
            guard let v = c[k], !v.isNull else { return nil }
            guard let n = v.number, n.isFinite, n >= 0 else {
                throw SeqNNError(.invalidArgument, "\(Self.kerasClassName): \(k) must be a non-negative number, found \(v)")
            }
            return Float(n)
        }
        if let lr = c["learning_rate"] ?? c["lr"], lr.object != nil {
            do { schedule = try LearningRateSchedules.from(lr) } catch let e as SeqNNError {
                throw SeqNNError(e.kind, "\(Self.kerasClassName): learning_rate: \(e.message)")
            }
            learningRate = schedule!.value(at: 0)
        } else {
            schedule = nil
            learningRate = try positive("learning_rate") ?? positive("lr") ?? defaultLearningRate
        }
        clipnorm = try positive("clipnorm")
        clipvalue = try positive("clipvalue")
        globalClipnorm = try positive("global_clipnorm")
        weightDecay = try positive("weight_decay")
        if clipnorm != nil && globalClipnorm != nil {
            throw SeqNNError(.invalidArgument, "\(Self.kerasClassName): at most one of clipnorm and global_clipnorm can be set")
        }
        if c["use_ema"]?.bool == true {
            throw SeqNNError(.unsupported, "\(Self.kerasClassName): use_ema=True is not supported")
        }
        if let g = c["gradient_accumulation_steps"]?.int, g > 1 {
            throw SeqNNError(.unsupported, "\(Self.kerasClassName): gradient_accumulation_steps is not supported")
        }
    }

    /// Subclass options for `config()`, after learning_rate.
    package var optionPairs: [(String, JSON)] { [] }

    /// `learning_rate` as Keras writes it in a config: the number, or the serialized schedule.
    package var learningRateConfig: JSON { schedule?.serialized() ?? .float(learningRate) }

    /// Keras's `optimizer.learning_rate`: the rate the next step uses (with a schedule, its value at
    /// `iterations`).
    package var currentLearningRate: Float { schedule?.value(at: iterations) ?? learningRate }

    /// Keras 3's optimizer `get_config()`.
    package func config() -> JSON {
        func opt(_ v: Float?) -> JSON { v.map { JSON.float($0) } ?? .null }
        var pairs: [(String, JSON)] = [("name", .string(kerasClassName.lowercased())), ("learning_rate", learningRateConfig),
                                       ("weight_decay", opt(weightDecay)), ("clipnorm", opt(clipnorm)),
                                       ("global_clipnorm", opt(globalClipnorm)), ("clipvalue", opt(clipvalue)),
                                       ("use_ema", false), ("ema_momentum", 0.99), ("ema_overwrite_frequency", .null),
                                       ("loss_scale_factor", .null), ("gradient_accumulation_steps", .null)]
        pairs.append(contentsOf: optionPairs)
        return .object([("class_name", .string(kerasClassName)), ("config", .object(pairs))])
    }

    /// Restores saved state: the iteration count and, per trainable weight, its slots in `slotNames` order.
    /// Shapes must match `params`; nothing changes on error.
    package func restore(iterations: Int, slots saved: [[Tensor]], for params: [Parameter]) throws {
        guard iterations >= 0 else { throw SeqNNError(.format, "optimizer iterations must be >= 0, found \(iterations)") }
        guard saved.count == params.count else {
            throw SeqNNError(.shapeMismatch, "optimizer state holds slots for \(saved.count) weights; the model trains \(params.count)")
        }
        for (i, (p, s)) in zip(params, saved).enumerated() {
            guard s.count == slotNames.count else {
                throw SeqNNError(.shapeMismatch, "\(kerasClassName) keeps \(slotNames.count) slot(s) per weight (\(slotNames.joined(separator: ", "))); the state has \(s.count) for weight \(i)")
            }
            for t in s where t.shape != p.value.shape {
                throw SeqNNError(.shapeMismatch, "optimizer slot for weight \(i) has shape \(t.shape); the weight has \(p.value.shape)")
            }
        }
        slots = saved
        self.iterations = iterations
    }

    /// Scalar state beyond the slots (Nadam's momentum product), saved by name.
    package var extraState: [String: Float] {
        get { [:] }
        set {}
    }

    /// Creates zeroed slots for `params` (Keras's `build`), once.
    package func buildSlots(_ params: [Parameter]) {
        guard slots.count != params.count else { return }
        slots = params.map { p in slotNames.map { _ in Tensor(shape: p.value.shape) } }
        initializeSlots()
    }

    /// Sets non-zero initial slot values (Adagrad's initial accumulator).
    package func initializeSlots() {}

    /// One optimizer step over the trainable weights, using their accumulated gradients.
    package func apply(_ params: [Parameter]) {
        buildSlots(params)
        clipGradients(params)
        if let schedule { learningRate = schedule.value(at: iterations) }
        let step = iterations + 1
        for (i, p) in params.enumerated() {
            if let wd = weightDecay, wd > 0 {
                let f = wd * learningRate
                for j in 0..<p.value.count { p.value.data[j] -= p.value.data[j] * f }
            }
            update(p.value.data, grad: p.grad.data, count: p.value.count, slots: slots[i], step: step)
        }
        iterations = step
    }

    /// Updates one weight in place given its gradient; `step` counts from 1.
    package func update(_ w: UnsafeMutablePointer<Float>, grad g: UnsafePointer<Float>, count n: Int, slots: [Tensor], step: Int) {
        fatalError("subclass must override update")
    }

    /// Keras applies one clipping option, the first set in the order clipnorm, global_clipnorm, clipvalue
    /// (BaseOptimizer._clip_gradients).
    func clipGradients(_ params: [Parameter]) {
        if let cn = clipnorm {
            for p in params { scaleToNorm(p.grad, limit: cn, norm: l2norm(p.grad)) }
        } else if let gn = globalClipnorm {
            let total = params.reduce(0.0) { $0 + pow2(l2norm($1.grad)) }.squareRoot()
            for p in params { scaleToNorm(p.grad, limit: gn, norm: total) }
        } else if let cv = clipvalue {
            for p in params { for j in 0..<p.grad.count { p.grad.data[j] = min(max(p.grad.data[j], -cv), cv) } }
        }
    }
}

@inline(__always) private func pow2(_ x: Double) -> Double { x * x }

private func l2norm(_ t: Tensor) -> Double {
    var s = 0.0
    for j in 0..<t.count { s += Double(t.data[j]) * Double(t.data[j]) }
    return s.squareRoot()
}

/// TensorFlow's clip_by_norm: g * limit / max(norm, limit).
private func scaleToNorm(_ t: Tensor, limit: Float, norm: Double) {
    guard norm > Double(limit) else { return }
    let f = Float(Double(limit) / norm)
    for j in 0..<t.count { t.data[j] *= f }
}

package enum Optimizers {
    static let names = ["sgd", "rmsprop", "adagrad", "adadelta", "adam", "adamw", "adamax", "nadam"]

    /// Resolves an optimizer by Keras name ("rmsprop", "Adam") with Keras 3 defaults, or from a
    /// serialized `{"class_name": "RMSprop", "config": {...}}` (Keras 2 or 3).
    package static func from(_ spec: JSON) throws -> Optimizer {
        if let s = spec.string { return try make(s, config: .object([])) }
        guard let cls = spec["class_name"]?.string else {
            throw SeqNNError(.invalidArgument, "optimizer must be a name or {\"class_name\", \"config\"}, found \(spec)")
        }
        return try make(cls, config: spec["config"] ?? .object([]))
    }

    static func make(_ name: String, config c: JSON) throws -> Optimizer {
        // Keras 2 may prefix legacy classes ("Custom>Adam"); the update rules are the same.
        let base = name.split(separator: ">").last.map(String.init) ?? name
        switch base.lowercased() {
        case "sgd": return try SGD(config: c)
        case "rmsprop": return try RMSprop(config: c)
        case "adagrad": return try Adagrad(config: c)
        case "adadelta": return try Adadelta(config: c)
        case "adam": return try Adam(config: c)
        case "adamw": return try AdamW(config: c)
        case "adamax": return try Adamax(config: c)
        case "nadam": return try Nadam(config: c)
        default:
            throw SeqNNError(.invalidArgument, "unknown optimizer '\(name)'; known: \(names.joined(separator: ", "))")
        }
    }
}

extension JSON {
    /// A float option of an optimizer config with its default, rejecting non-numbers.
    func float(_ key: String, _ def: Float, in cls: String) throws -> Float {
        guard let v = self[key], !v.isNull else { return def }
        guard let n = v.number, n.isFinite else {
            throw SeqNNError(.invalidArgument, "\(cls): \(key) must be a number, found \(v)")
        }
        return Float(n)
    }
}
