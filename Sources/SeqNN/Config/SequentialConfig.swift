extension Sequential {
    /// The Sequential `config` in the portable form of format §10 (Keras 2's keys, which Keras 3 reads too):
    /// {"name", "layers": [InputLayer with batch_input_shape, ...]}. The explicit InputLayer is required:
    /// without it Keras 3 builds the model with an extra axis.
    public func config() -> JSON {
        var items = [JSON]()
        if let shape = inputShape {
            let batch: [JSON] = [batchSize.map { .number(Double($0)) } ?? .null] + shape.map { .number(Double($0)) }
            items.append(.object([("class_name", "InputLayer"), ("config", .object([
                ("batch_input_shape", .array(batch)), ("dtype", "float32"), ("sparse", false), ("ragged", false),
                ("name", .string(inputLayerName)),
            ]))]))
        }
        for l in layers {
            var c = l.config()
            if case .object(var pairs) = c { pairs.removeAll { $0.0 == "batch_input_shape" }; c = .object(pairs) }
            items.append(.object([("class_name", .string(l.kerasClassName)), ("config", c)]))
        }
        return .object([("name", .string(name)), ("layers", .array(items))])
    }

    /// Builds a model from a Keras Sequential config in either dialect: a bare layer list (Keras 2.2 and
    /// earlier) or `{"name", "layers"}`; the input from an InputLayer (`batch_input_shape` / `batch_shape`)
    /// or from the first layer's `batch_input_shape`. `kerasMajor` selects generation-specific definitions.
    /// `weightBudget` (bytes) bounds what the layers' declared weights may allocate (a model file's load limit).
    public static func fromConfig(_ config: JSON, kerasMajor: Int = 3, seed: UInt64 = 0) throws -> Sequential {
        try fromConfig(config, kerasMajor: kerasMajor, seed: seed, weightBudget: nil)
    }

    package static func fromConfig(_ config: JSON, kerasMajor: Int, seed: UInt64, weightBudget: (bytes: Int, storedValues: Int)?) throws -> Sequential {
        let list: [JSON]
        var name = "sequential"
        if let a = config.array { list = a } else if let a = config["layers"]?.array {
            list = a
            name = config["name"]?.string ?? name
        } else {
            throw SeqNNError(.format, "model config must be a list of layers or an object with \"layers\", found \(String(describing: config).prefix(200))")
        }
        let model = Sequential(seed: seed, name: name)
        model.kerasMajor = kerasMajor
        model.weightBudget = weightBudget
        var problems = [String]()
        var unsupported = false
        var built = [Layer]()
        for (i, item) in list.enumerated() {
            guard let cls = item["class_name"]?.string else {
                problems.append("layer \(i): missing class_name")
                continue
            }
            do {
                built.append(try LayerRegistry.make(className: cls, config: item["config"] ?? .object([]), kerasMajor: kerasMajor))
            } catch let e as SeqNNError {
                problems.append("layer \(i) '\(item["config"]?["name"]?.string ?? "?")': \(e.message)")
                unsupported = unsupported || e.kind == .unsupported
            }
        }
        // One message listing every unsupported item, as users of converters ask for.
        guard problems.isEmpty else {
            // Something SeqNN lacks is "unsupported"; only invalid values is a malformed config.
            throw SeqNNError(unsupported ? .unsupported : .format, "the model config has \(problems.count) problem(s): " + problems.joined(separator: "; "))
        }
        if config["build_input_shape"] != nil, built.first?.declaredBatchInputShape == nil, !(built.first is InputLayer),
           let b = config["build_input_shape"]?.intList, b.count >= 2 {
            built.first?.declaredBatchInputShape = b
        }
        try model.addAll(built)
        model.weightBudget = nil
        return model
    }
}
