/// The one registry of Keras layer classes SeqNN can build from a config (DESIGN §1, Config/).
public enum LayerRegistry {
    typealias Factory = @Sendable (LayerConfig) throws -> Layer

    /// Every layer class: the core ones below plus each family's table (one file per family, so families
    /// can be added without touching this one).
    static let factories: [String: Factory] = coreFactories
        .merging(convolutionFactories) { a, _ in a }
        .merging(recurrentFactories) { a, _ in a }
        .merging(normalizationFactories) { a, _ in a }

    static let coreFactories: [String: Factory] = [
        "Dense": Dense.init(config:),
        "Activation": Activation.init(config:),
        "Dropout": Dropout.init(config:),
        "Flatten": Flatten.init(config:),
        "Reshape": Reshape.init(config:),
        "InputLayer": InputLayer.init(config:),
        "ReLU": ReLULayer.init(config:),
        "LeakyReLU": LeakyReLULayer.init(config:),
        "PReLU": PReLU.init(config:),
        "ELU": ELULayer.init(config:),
        "Softmax": SoftmaxLayer.init(config:),
        "ThresholdedReLU": ThresholdedReLU.init(config:),
    ]

    public static var classNames: [String] { factories.keys.sorted() }

    /// Builds a layer from Keras's `class_name` and `config`. The config's input keys (input_shape,
    /// input_dim, batch_size, ...) are recorded on the layer for the model to pick up.
    public static func make(className: String, config: JSON, kerasMajor: Int = 3) throws -> Layer {
        guard let factory = factories[className] else {
            throw SeqNNError(.unsupported, "unknown layer class '\(className)'; supported: \(classNames.joined(separator: ", "))")
        }
        let c = try LayerConfig(className: className, json: config, kerasMajor: kerasMajor)
        let layer = try factory(c)
        if let n = c.name {
            // A name becomes an HDF5 group name in model files, where '/' would nest groups.
            guard !n.isEmpty, !n.contains("/") else {
                throw SeqNNError(.invalidArgument, "\(className): name must be non-empty and without '/', found '\(n)'")
            }
            layer.name = n
            layer.nameIsExplicit = true
        }
        layer.trainable = try c.bool("trainable", default: true)
        if let d = config["dtype"], !d.isNull { try checkDtype(d, c) }
        if layer.declaredBatchInputShape == nil { layer.declaredBatchInputShape = try c.batchInputShape() }
        return layer
    }

    /// SeqNN computes in float32: accept "float32" or a Keras 3 DTypePolicy naming it.
    static func checkDtype(_ d: JSON, _ c: LayerConfig) throws {
        let name = d.string ?? d["config"]?["name"]?.string
        guard let name, name == "float32" else {
            throw SeqNNError(.unsupported, "\(c.label): dtype \(d) is not supported; SeqNN computes in float32")
        }
    }
}

extension Dense {
    convenience init(config c: LayerConfig) throws {
        try c.rejectSet(["activity_regularizer", "kernel_constraint", "bias_constraint", "lora_rank", "quantization_config"])
        guard c.has("units") else { throw c.fail("units", "a positive integer") }
        let units = try c.int("units")
        guard units > 0 else { throw c.fail("units", "a positive integer") }
        try self.init(units: units, activation: c.activation(), useBias: c.bool("use_bias", default: true),
                      kernelInitializer: c.initializer("kernel_initializer", default: VarianceScaling.glorotUniform(seed: nil)),
                      biasInitializer: c.initializer("bias_initializer", default: Constant(value: 0, className: "Zeros")),
                      kernelRegularizer: c.regularizer("kernel_regularizer"), biasRegularizer: c.regularizer("bias_regularizer"),
                      name: c.name ?? "dense")
    }
}

extension Dropout {
    convenience init(config c: LayerConfig) throws {
        try c.rejectSet(["noise_shape"])
        guard c.has("rate") else { throw c.fail("rate", "a number in [0, 1)") }
        try self.init(rate: c.float("rate", default: 0), seed: c.has("seed") ? c.int("seed") : nil, name: c.name ?? "dropout")
    }
}

extension Flatten {
    convenience init(config c: LayerConfig) throws {
        if let f = try c.string("data_format", default: nil), f != "channels_last" {
            throw SeqNNError(.unsupported, "\(c.label): data_format '\(f)' is not supported; SeqNN is channels_last")
        }
        self.init(name: c.name ?? "flatten")
    }
}

extension Reshape {
    convenience init(config c: LayerConfig) throws {
        try self.init(targetShape: c.ints("target_shape"), name: c.name ?? "reshape")
    }
}

extension InputLayer {
    convenience init(config c: LayerConfig) throws {
        guard let b = try c.batchInputShape(), b.count >= 2 else {
            throw c.fail("batch_shape", "a batch input shape like [null, 784]")
        }
        if c.has("sparse"), c.json["sparse"]?.bool == true { throw SeqNNError(.unsupported, "\(c.label): sparse inputs are not supported") }
        self.init(batchInputShape: b, name: c.name ?? "input_layer")
    }
}
