/// Typed, checked access to one layer's Keras config dict, with errors that name the layer.
package struct LayerConfig {
    package let className: String
    package let json: JSON
    /// The Keras generation whose definitions apply (2 or 3); only a few defaults differ.
    package let kerasMajor: Int

    package init(className: String, json: JSON, kerasMajor: Int = 3) throws {
        guard json.object != nil else {
            throw SeqNNError(.format, "\(className): config must be a JSON object, found \(json)")
        }
        self.className = className
        self.json = json
        self.kerasMajor = kerasMajor
    }

    package var name: String? { json["name"]?.string }
    var label: String { name.map { "\(className) '\($0)'" } ?? "\(className) (unnamed)" }

    func fail(_ key: String, _ expected: String) -> SeqNNError {
        SeqNNError(.invalidArgument, "\(label): '\(key)' must be \(expected), found \(json[key].map { "\($0)" } ?? "nothing")")
    }

    package func has(_ key: String) -> Bool { json[key].map { !$0.isNull } ?? false }

    package func int(_ key: String) throws -> Int {
        guard let v = json[key]?.int else { throw fail(key, "an integer") }
        return v
    }
    package func int(_ key: String, default d: Int) throws -> Int { has(key) ? try int(key) : d }

    package func float(_ key: String, default d: Float) throws -> Float {
        guard has(key) else { return d }
        guard let v = json[key]?.number, v.isFinite else { throw fail(key, "a finite number") }
        return Float(v)
    }

    package func bool(_ key: String, default d: Bool) throws -> Bool {
        guard has(key) else { return d }
        guard let v = json[key]?.bool else { throw fail(key, "true or false") }
        return v
    }

    package func string(_ key: String, default d: String?) throws -> String? {
        guard has(key) else { return d }
        guard let v = json[key]?.string else { throw fail(key, "a string") }
        return v
    }

    /// A list of positive ints; a bare int counts as a one-element list (Keras accepts `kernel_size=3`).
    package func ints(_ key: String) throws -> [Int] {
        guard let list = json[key]?.intList, list.allSatisfy({ $0 != nil }) else { throw fail(key, "a list of integers") }
        return list.map { $0! }
    }

    /// An activation by Keras name (Keras 3 may also write `{"class_name": ..., "config": {"name": ...}}`).
    package func activation(_ key: String = "activation") throws -> any ActivationFunction {
        guard let v = json[key], !v.isNull else { return Activations.Linear() }
        let name = v.string ?? v["config"]?["name"]?.string ?? v["class_name"]?.string
        guard let name else { throw fail(key, "an activation name") }
        // In a config, a name SeqNN does not know is a feature it lacks (an unknown name given directly to
        // the API stays an invalid argument).
        do { return try Activations.named(name, kerasMajor: kerasMajor) } catch let e as SeqNNError {
            throw SeqNNError(.unsupported, "\(label): \(e.message)")
        }
    }

    package func initializer(_ key: String, default d: any Initializer) throws -> any Initializer {
        guard let v = json[key], !v.isNull else { return d }
        do { return try Initializers.from(v) } catch let e as SeqNNError {
            throw SeqNNError(e.message.hasPrefix("unknown") ? .unsupported : e.kind, "\(label): \(e.message)")
        }
    }

    package func regularizer(_ key: String) throws -> Regularizer? {
        guard let v = json[key] else { return nil }
        do { return try Regularizer.from(v) } catch let e as SeqNNError { throw SeqNNError(e.kind, "\(label): \(e.message)") }
    }

    /// Refuses options SeqNN does not implement when they are set to anything but their neutral value,
    /// rather than silently computing something else.
    package func rejectSet(_ keys: [String]) throws {
        for k in keys where has(k) {
            if let b = json[k]?.bool, b == false { continue }
            throw SeqNNError(.unsupported, "\(label): '\(k)' = \(json[k]!) is not supported by SeqNN")
        }
    }

    /// The batch input shape this config declares in any Keras spelling, or nil:
    /// `batch_input_shape` / `batch_shape` (Keras 2 / Keras 3 InputLayer), or `input_shape`, `input_dim`
    /// and `input_length` (the tutorial's forms: input_length alone means a 1-D input of that size,
    /// with input_dim it means (input_length, input_dim)), each with an optional `batch_size`.
    package func batchInputShape() throws -> [Int?]? {
        for key in ["batch_input_shape", "batch_shape"] where has(key) {
            guard let list = json[key]?.intList, !list.isEmpty else { throw fail(key, "a list like [null, 784]") }
            return list
        }
        let batch: Int? = has("batch_size") ? try int("batch_size") : nil
        if let b = batch, b <= 0 { throw fail("batch_size", "a positive integer") }
        if has("input_shape") {
            guard let list = json["input_shape"]?.intList else { throw fail("input_shape", "a list of integers") }
            return [batch] + list
        }
        let dim: Int? = has("input_dim") && className != "Embedding" ? try int("input_dim") : nil   // Embedding: the vocabulary size
        let length: Int? = has("input_length") ? try int("input_length") : nil
        switch (length, dim) {
        case let (l?, d?): return [batch, l, d]
        case let (l?, nil): return [batch, l]
        case let (nil, d?): return [batch, d]
        default: return batch.map { [$0] }   // batch_size alone: the shape comes later
        }
    }
}
