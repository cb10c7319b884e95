extension Sequential {
    /// Keras's `training_config` in the portable form of format §10: the loss spelled out (or a loss object when
    /// its options differ from the defaults), metrics as plain names (custom metrics by the name they were
    /// registered under), `loss_weights` and `weighted_metrics` present, and the optimizer as tf_keras writes
    /// as `Optimizer.portableConfig` explains. nil when not compiled.
    package func trainingConfig(keras2OptimizerState: Bool = false) -> JSON? {
        guard let c = compiled else { return nil }
        // Keras 2's MeanMetricWrapper objects break Keras 3's fit (format §7): write those by name.
        var metrics = c.metricSpecs.map { spec -> JSON in
            if spec.string != nil || spec["class_name"]?.string == "MeanMetricWrapper" { return .string(Compiled.name(of: spec)) }
            return .object([("class_name", spec["class_name"] ?? .null), ("config", spec["config"] ?? .object([]))])
        }
        for m in customMetrics where !metrics.contains(where: { $0.string == m.name }) { metrics.append(.string(m.name)) }
        return .object([
            ("loss", lossJSON(c.loss)),
            ("metrics", metrics.isEmpty ? .null : .array(metrics)),
            ("weighted_metrics", .null),
            ("loss_weights", .null),
            ("optimizer_config", c.optimizer.portableConfig(keras2OptimizerState: keras2OptimizerState)),
        ])
    }

    func lossJSON(_ loss: any Loss) -> JSON {
        let defaults: [String: JSON] = ["from_logits": false, "label_smoothing": 0, "delta": 1]
        let changed = loss.configPairs.contains { k, v in defaults[k].map { $0 != v } ?? true }
        guard changed else { return .string(loss.name) }
        return .object([("class_name", .string(loss.className)),
                        ("config", .object([("name", .string(loss.name)), ("reduction", "sum_over_batch_size")] + loss.configPairs))])
    }
}

extension Optimizer {
    /// The optimizer config in the form that keeps its settings in both Keras generations
    /// (tools/fixtures/h5/README.md, "Portability answers"):
    /// - by default the plain class name with only the keys both know (`{"class_name": "Adam", "config":
    ///   {"name", "learning_rate", "beta_1", ...}}`): Keras 3 reads it as is, tf_keras builds its legacy
    ///   optimizer class with the same settings;
    /// - tf_keras's `Custom>Adam` form with `is_legacy_optimizer: false` when tf_keras must restore a Keras 2
    ///   `optimizer_weights` group, or for AdamW and weight decay, which legacy classes lack. Keras 3 reads
    ///   that form but rebuilds the optimizer from its name with default settings, so it is not the default.
    package func portableConfig(keras2OptimizerState: Bool = false) -> JSON {
        func opt(_ v: Float?) -> JSON { v.map { JSON.float($0) } ?? .null }
        if keras2OptimizerState || kerasClassName == "AdamW" || weightDecay != nil {
            let pairs: [(String, JSON)] = [
                ("name", .string(kerasClassName)), ("weight_decay", opt(weightDecay)), ("clipnorm", opt(clipnorm)),
                ("global_clipnorm", opt(globalClipnorm)), ("clipvalue", opt(clipvalue)), ("use_ema", false),
                ("ema_momentum", 0.99), ("ema_overwrite_frequency", .null), ("jit_compile", false),
                ("is_legacy_optimizer", false), ("learning_rate", learningRateConfig),
            ] + optionPairs
            return .object([("class_name", .string("Custom>" + kerasClassName)), ("config", .object(pairs))])
        }
        var pairs: [(String, JSON)] = [("name", .string(kerasClassName)), ("learning_rate", learningRateConfig)]
        for (k, v) in [("clipnorm", clipnorm), ("global_clipnorm", globalClipnorm), ("clipvalue", clipvalue)] {
            if let v { pairs.append((k, .float(v))) }
        }
        return .object([("class_name", .string(kerasClassName)), ("config", .object(pairs + optionPairs))])
    }
}
