/// `keras.optimizers.schedules.LearningRateSchedule`: a learning rate that is a function of the optimizer's
/// step. Keras evaluates it once per training step as `schedule(optimizer.iterations)`, with the count of
/// steps completed before this one (BaseOptimizer._get_current_learning_rate in Keras 3, OptimizerV2's
/// `_decayed_lr` in Keras 2), so the first step uses `schedule(0)`.
///
/// Keras computes in float32: its ops cast the step and every hyperparameter to the dtype of
/// `initial_learning_rate`'s tensor. `value(at:)` follows the same operations in Float so the rate per step
/// is Keras's to the last bit or two; the config keeps the numbers as written (Double) so a file round-trips.
package class LearningRateSchedule: @unchecked Sendable {
    package class var kerasClassName: String { fatalError("subclass must override kerasClassName") }
    package var kerasClassName: String { Swift.type(of: self).kerasClassName }
    /// Keras's `get_config()`: every argument in Keras's order, as given (an int stays an int, so a file
    /// round-trips) or its default.
    package let configPairs: [(String, JSON)]

    /// `keys` are the class's arguments in Keras's get_config order with their defaults (nil: required).
    init(_ c: ScheduleConfig, keys: [(String, JSON?)]) throws {
        try c.only(keys.map(\.0))
        configPairs = try keys.map { k, d in
            if let v = c.json[k] { return (k, v) }
            guard let d else { throw c.fail(k, "given (it is required)") }
            return (k, d)
        }
        if let n = c.json["name"], !n.isNull, n.string == nil { throw c.fail("name", "a string") }
    }

    /// The learning rate for the step that follows `step` completed steps.
    package func value(at step: Int) -> Float { fatalError("subclass must override value(at:)") }

    /// The schedule as Keras 3 serializes it inside an optimizer config (both generations read this form;
    /// tf_keras 2.21 writes it too).
    package func serialized() -> JSON {
        .object([("module", "keras.optimizers.schedules"), ("class_name", .string(kerasClassName)),
                 ("config", .object(configPairs)), ("registered_name", .null)])
    }
}

package enum LearningRateSchedules {
    /// Keras class name -> initializer, one entry per schedule file.
    static let makers: [(name: String, make: @Sendable (ScheduleConfig) throws -> LearningRateSchedule)] = [
        (ExponentialDecay.kerasClassName, ExponentialDecay.init), (InverseTimeDecay.kerasClassName, InverseTimeDecay.init),
        (PiecewiseConstantDecay.kerasClassName, PiecewiseConstantDecay.init), (PolynomialDecay.kerasClassName, PolynomialDecay.init),
        (CosineDecay.kerasClassName, CosineDecay.init), (CosineDecayRestarts.kerasClassName, CosineDecayRestarts.init),
    ]
    static var classNames: [String] { makers.map(\.name) }

    /// A schedule from its serialized form: `{"class_name": "ExponentialDecay", "config": {...}}`, with or without
    /// Keras 3's `module` / `registered_name`. Classes SeqNN does not know (a user's own schedule class) are
    /// refused by name.
    package static func from(_ spec: JSON) throws -> LearningRateSchedule {
        guard let cls = spec["class_name"]?.string else {
            throw SeqNNError(.invalidArgument, "a learning-rate schedule must be {\"class_name\", \"config\"}, found \(spec)")
        }
        guard let maker = makers.first(where: { $0.name == cls }) else {
            throw SeqNNError(.unsupported, "unknown learning-rate schedule '\(cls)'; known: \(classNames.joined(separator: ", "))")
        }
        return try maker.make(ScheduleConfig(className: cls, json: spec["config"] ?? .object([])))
    }
}

/// Checked reads of a schedule's config, with errors naming the schedule and the key. Unknown keys are refused
/// (Keras's `from_config` is `cls(**config)`, which raises on them).
struct ScheduleConfig {
    let className: String
    let json: JSON

    init(className: String, json: JSON) throws {
        guard json.object != nil else {
            throw SeqNNError(.invalidArgument, "\(className): config must be a JSON object, found \(json)")
        }
        self.className = className
        self.json = json
    }

    func fail(_ key: String, _ expected: String) -> SeqNNError {
        SeqNNError(.invalidArgument, "\(className): '\(key)' must be \(expected), found \(json[key].map { "\($0)" } ?? "nothing")")
    }

    func has(_ key: String) -> Bool { json[key].map { !$0.isNull } ?? false }

    /// Throws unless every key is one of `keys`.
    func only(_ keys: [String]) throws {
        for (k, _) in json.object! where !keys.contains(k) {
            throw SeqNNError(.invalidArgument, "\(className): unknown argument '\(k)'; it takes \(keys.joined(separator: ", "))")
        }
    }

    func number(_ key: String, default d: Double? = nil) throws -> Double {
        guard has(key) else {
            guard let d else { throw fail(key, "given (it is required)") }
            return d
        }
        guard let v = json[key]?.number, v.isFinite else { throw fail(key, "a finite number") }
        return v
    }

    /// A number that must be > 0 (decay_steps: Keras raises "Argument `decay_steps` must be > 0").
    func positive(_ key: String) throws -> Double {
        let v = try number(key)
        guard v > 0 else { throw fail(key, "> 0") }
        return v
    }

    func optionalNumber(_ key: String) throws -> Double? { has(key) ? try number(key) : nil }

    func bool(_ key: String, default d: Bool) throws -> Bool {
        guard has(key) else { return d }
        guard let v = json[key]?.bool else { throw fail(key, "true or false") }
        return v
    }

    func numbers(_ key: String) throws -> [Double] {
        guard let a = json[key]?.array else { throw fail(key, "a list of numbers") }
        return try a.map { v in
            guard let n = v.number, n.isFinite else { throw fail(key, "a list of finite numbers") }
            return n
        }
    }
}
