/// `keras.layers.MaxPooling2D`: the maximum of each pool_size window over [batch, rows, cols, channels].
/// strides default to pool_size; padding 'valid' or 'same' (TensorFlow's rule, padded positions ignored).
package final class MaxPooling2D: BasePooling, @unchecked Sendable {
    override package class var kerasClassName: String { "MaxPooling2D" }
    package init(poolSize: [Int] = [2, 2], strides: [Int]? = nil, padding: ConvPadding = .valid, name: String = "max_pooling2d") throws {
        try super.init(kind: .max, rank: 2, poolSize: poolSize, strides: strides, padding: padding, name: name)
    }
}

/// `keras.layers.AveragePooling2D`: the mean of each window; with 'same' padding a border window is
/// divided by its number of real elements (TensorFlow's avg_pool), not by the full window size.
package final class AveragePooling2D: BasePooling, @unchecked Sendable {
    override package class var kerasClassName: String { "AveragePooling2D" }
    package init(poolSize: [Int] = [2, 2], strides: [Int]? = nil, padding: ConvPadding = .valid, name: String = "average_pooling2d") throws {
        try super.init(kind: .average, rank: 2, poolSize: poolSize, strides: strides, padding: padding, name: name)
    }
}

extension MaxPooling2D {
    convenience init(config c: LayerConfig) throws {
        let p = try BasePooling.parse(c, rank: 2)
        try self.init(poolSize: p.pool, strides: p.strides, padding: p.padding, name: c.name ?? "max_pooling2d")
    }
}

extension AveragePooling2D {
    convenience init(config c: LayerConfig) throws {
        let p = try BasePooling.parse(c, rank: 2)
        try self.init(poolSize: p.pool, strides: p.strides, padding: p.padding, name: c.name ?? "average_pooling2d")
    }
}
