extension Sequential {
    /// Keras's `training_config` in the portable form of spec §10: the loss spelled out (or a loss object when
    /// its options differ from the defaults), metrics as plain names (custom metrics by the name they were
    /// registered under), `loss_weights` and `weighted_metrics` present, and the optimizer as tf_keras writes
    /// it (`Custom>` class name, `is_legacy_optimizer: false`), which Keras 3 also reads. nil when not compiled.
    public func trainingConfig() -> JSON? {
        guard let c = compiled else { return nil }
        // Keras 2's MeanMetricWrapper objects break Keras 3's fit (spec §7): write those by name.
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
            ("optimizer_config", c.optimizer.portableConfig()),
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
    /// tf_keras's optimizer config (spec §7): `Custom>RMSprop` with `is_legacy_optimizer: false` so Keras 2
    /// picks its current optimizer class; Keras 3 accepts the same form and drops the tf_keras-only keys.
    public func portableConfig() -> JSON {
        func opt(_ v: Float?) -> JSON { v.map { .number(Double($0)) } ?? .null }
        let pairs: [(String, JSON)] = [
            ("name", .string(kerasClassName)), ("weight_decay", opt(weightDecay)), ("clipnorm", opt(clipnorm)),
            ("global_clipnorm", opt(globalClipnorm)), ("clipvalue", opt(clipvalue)), ("use_ema", false),
            ("ema_momentum", 0.99), ("ema_overwrite_frequency", .null), ("jit_compile", false),
            ("is_legacy_optimizer", false), ("learning_rate", .number(Double(learningRate))),
        ] + optionPairs
        return .object([("class_name", .string("Custom>" + kerasClassName)), ("config", .object(pairs))])
    }
}
