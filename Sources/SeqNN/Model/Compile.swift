/// What `compile` fixed: optimizer, loss, metrics, and the training plan (how the layers run and where the
/// loss reads its prediction).
final class Compiled: @unchecked Sendable {
    let optimizer: Optimizer
    /// The loss as the user named it (reported, saved).
    let loss: any Loss
    /// The loss as evaluated: its from-logits form when the plan has it read logits.
    let effectiveLoss: any Loss
    let plan: Plan
    /// Metric specs as given (names or Keras dicts), resolved per target width in `metrics(trueColumns:)`.
    let metricSpecs: [JSON]
    let trainable: [Parameter]
    /// Weights with a regularizer, whose penalties join the loss (trainable or not, as Keras's `losses`).
    let regularized: [Parameter]
    private var resolved: (trueColumns: Int, train: [Metric], val: [Metric])?

    init(optimizer: Optimizer, loss: any Loss, metricSpecs: [JSON], layers: [Layer], kerasMajor: Int = 3) {
        self.optimizer = optimizer
        self.loss = loss
        self.metricSpecs = metricSpecs
        for l in layers { for p in l.parameters { p.trainable = l.trainable && p.trainsByDefault } }
        plan = Plan.training(layers, loss: loss)
        // Keras computes a crossentropy after softmax/sigmoid from the logits (not clipped at 1e-7).
        effectiveLoss = plan.lossReadsLogits ? (loss as? any LogitsAwareLoss)?.fromLogitsVariant ?? loss : loss
        trainable = layers.flatMap { $0.parameters.filter(\.trainable) }
        // Keras 3 adds the penalties of trainable weights only (Layer._get_regularization_losses);
        // tf_keras adds every weight's.
        regularized = layers.flatMap { $0.parameters.filter { $0.regularizer != nil && ($0.trainable || kerasMajor < 3) } }
    }

    /// The name a metric spec reports under: the string itself, or the config's name of a Keras metric object
    /// (Keras 2 saves `{"class_name": "MeanMetricWrapper", "config": {"name": "mean_pred", "fn": ...}}`).
    static func name(of spec: JSON) -> String {
        spec.string ?? spec["config"]?["name"]?.string ?? Initializers.snakeCase(spec["class_name"]?.string ?? "metric")
    }

    /// The metrics for targets with `trueColumns` values per row: (training, validation) accumulators.
    /// The metrics in reporting order: each spec (a registered custom metric of that name takes its place),
    /// then the custom metrics no spec names. One list for both `metrics` and `metricNames`.
    func metricList(custom: [CustomMetric]) -> [(name: String, spec: JSON?, custom: CustomMetric?)] {
        var out = metricSpecs.map { spec -> (name: String, spec: JSON?, custom: CustomMetric?) in
            let n = Compiled.name(of: spec)
            return (n, spec, custom.first { $0.name == n })
        }
        for c in custom where !out.contains(where: { $0.name == c.name }) { out.append((c.name, nil, c)) }
        return out
    }

    func metrics(trueColumns: Int, predColumns: Int, custom: [CustomMetric]) throws -> (train: [Metric], val: [Metric]) {
        if let r = resolved, r.trueColumns == trueColumns { return (r.train, r.val) }
        let train = try metricList(custom: custom).map { item -> Metric in
            if let c = item.custom { return c.fresh() }
            return try Metrics.from(item.spec!, loss: loss, predColumns: predColumns, trueColumns: trueColumns)
        }
        let val = train.map { $0.fresh() }
        resolved = (trueColumns, train, val)
        return (train, val)
    }
}

extension Sequential {
    /// Keras's `compile(optimizer, loss, metrics)`. `optimizer` and `loss` are Keras names or serialized
    /// configs; `metrics` are names ("accuracy", "mse", a registered custom metric) or Keras metric dicts.
    /// The model must be built (its input shape known): the error names the first layer otherwise.
    /// `allowUnregisteredMetrics` keeps metric names SeqNN does not know as custom metrics still to be
    /// registered (a loaded file names them; fit fails until `addMetric` supplies them).
    public func compile(optimizer: JSON = "rmsprop", loss: JSON, metrics: [JSON] = [], allowUnregisteredMetrics: Bool = false) throws {
        try access.exclusive("compile") {
            try requireBuilt("compile")
            let opt = try Optimizers.from(optimizer)
            let l = try Losses.from(loss, kerasMajor: kerasMajor)
            var seen = Set<String>()
            for m in metrics {
                let n = Compiled.name(of: m)
                guard seen.insert(n).inserted else { throw SeqNNError.invalid("compile: metric '\(n)' is listed twice") }
                if customMetrics.contains(where: { $0.name == n }) { continue }
                // Resolve once now so unknown names fail at compile, not in the middle of fit.
                do {
                    _ = try Metrics.from(m, loss: l, predColumns: outputShape?.last ?? 1, trueColumns: outputShape?.last ?? 1)
                } catch let e as SeqNNError where allowUnregisteredMetrics && e.kind == .invalidArgument {}
            }
            try checkOutputMask()
            compiled = Compiled(optimizer: opt, loss: l, metricSpecs: metrics, layers: layers, kerasMajor: kerasMajor)
        }
    }

    /// A mask on the model's output weights the loss per output row (Keras's `apply_mask`): it must have one
    /// value per row, as a per-step mask after a return_sequences RNN and a Dense has.
    func checkOutputMask() throws {
        let flow = MaskFlow.of(layers)
        guard let src = flow.output, let shape = flow.outputShape, let out = outputShape, let cols = out.last else { return }
        let rows = out.reduce(1, *) / max(cols, 1)
        guard shape.reduce(1, *) == rows else {
            throw SeqNNError.shape("compile: the model's output \(describeShape(out)) carries the Keras mask of \(layers[src].kerasClassName) '\(layers[src].name)' with shape \(describeShape(shape)), which the loss cannot apply (it needs one mask value per output row, \(rows) per sample)")
        }
    }

    public func compile(optimizer: String = "rmsprop", loss: String, metrics: [String] = []) throws {
        try compile(optimizer: .string(optimizer), loss: .string(loss), metrics: metrics.map { .string($0) })
    }

    /// Registers a custom metric under `name`; compile lists it where its name appears in `metrics`,
    /// after the named ones otherwise. Adding one to a compiled model takes effect at once.
    public func addMetric(_ metric: CustomMetric) throws {
        try access.exclusive("add_metric") {
            guard !metric.name.isEmpty else { throw SeqNNError.invalid("add_metric: the metric name must not be empty") }
            guard !customMetrics.contains(where: { $0.name == metric.name }) else {
                throw SeqNNError.invalid("add_metric: a custom metric named '\(metric.name)' is already registered")
            }
            customMetrics.append(metric)
            if let c = compiled {
                compiled = Compiled(optimizer: c.optimizer, loss: c.loss, metricSpecs: c.metricSpecs, layers: layers, kerasMajor: kerasMajor)
            }
        }
    }

    /// Changes the compiled optimizer's learning rate between steps, keeping its state (ReduceLROnPlateau).
    /// Takes shared access, so a fit callback on the fitting thread may call it.
    public func setLearningRate(_ lr: Double) throws {
        try access.shared("set_learning_rate") {
            guard let c = compiled else { throw SeqNNError(.notCompiled, "the model is not compiled; call compile first") }
            // >= 0 as in the optimizer's config (ReduceLROnPlateau with factor 0 sets 0).
            guard lr.isFinite, lr >= 0, Float(lr).isFinite else {
                throw SeqNNError.invalid("the learning rate must be a finite number >= 0 (in float32), found \(lr)")
            }
            if let s = c.optimizer.schedule {
                // Keras raises TypeError: "This optimizer was created with a `LearningRateSchedule` object as its
                // `learning_rate` constructor argument, hence its learning rate is not settable."
                throw SeqNNError.invalid("the optimizer's learning rate follows the schedule \(s.kerasClassName) given at compile, so it is not settable; compile with a number as learning_rate to change it")
            }
            c.optimizer.learningRate = Float(lr)
        }
    }

    /// The optimizer of the compiled model (its state: iterations, slots).
    package var optimizer: Optimizer? { compiled?.optimizer }
    package var loss: (any Loss)? { compiled?.loss }

    /// The names `evaluate` and `trainOnBatch` report, in order: "loss", then each metric. Read-only (it
    /// resolves the names afresh rather than touching the metric cache), so concurrent callers are safe.
    public func metricNames() throws -> [String] {
        try access.shared("metric names") {
            guard let c = compiled else { throw SeqNNError(.notCompiled, "the model is not compiled; call compile first") }
            return ["loss"] + c.metricList(custom: customMetrics).map(\.name)
        }
    }
}
