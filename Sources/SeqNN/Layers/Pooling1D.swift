/// `keras.layers.MaxPooling1D`: the maximum of each pool_size window over [batch, steps, channels].
/// strides default to pool_size; padding 'valid' or 'same' (TensorFlow's rule, padded positions ignored).
package final class MaxPooling1D: BasePooling, @unchecked Sendable {
    override package class var kerasClassName: String { "MaxPooling1D" }
    package init(poolSize: Int = 2, strides: Int? = nil, padding: ConvPadding = .valid, name: String = "max_pooling1d") throws {
        try super.init(kind: .max, rank: 1, poolSize: [poolSize], strides: strides.map { [$0] }, padding: padding, name: name)
    }
}

/// `keras.layers.AveragePooling1D`: the mean of each window; with 'same' padding a border window is
/// divided by its number of real elements (TensorFlow's avg_pool), not by pool_size.
package final class AveragePooling1D: BasePooling, @unchecked Sendable {
    override package class var kerasClassName: String { "AveragePooling1D" }
    package init(poolSize: Int = 2, strides: Int? = nil, padding: ConvPadding = .valid, name: String = "average_pooling1d") throws {
        try super.init(kind: .average, rank: 1, poolSize: [poolSize], strides: strides.map { [$0] }, padding: padding, name: name)
    }
}

extension MaxPooling1D {
    convenience init(config c: LayerConfig) throws {
        let p = try BasePooling.parse(c, rank: 1)
        try self.init(poolSize: p.pool[0], strides: p.strides?[0], padding: p.padding, name: c.name ?? "max_pooling1d")
    }
}

extension AveragePooling1D {
    convenience init(config c: LayerConfig) throws {
        let p = try BasePooling.parse(c, rank: 1)
        try self.init(poolSize: p.pool[0], strides: p.strides?[0], padding: p.padding, name: c.name ?? "average_pooling1d")
    }
}
