/// `keras.layers.InputLayer` (what `keras.Input(shape=..., batch_size=...)` adds): declares the model's
/// batch input shape and passes its input through. It has no weights and Keras does not list it in
/// `model.layers`; SeqNN keeps it out of `layers` the same way and records its shape on the model.
package final class InputLayer: Layer, @unchecked Sendable {
    override package class var kerasClassName: String { "InputLayer" }

    package init(batchInputShape: [Int?], name: String = "input_layer") {
        super.init(name: name)
        declaredBatchInputShape = batchInputShape
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
