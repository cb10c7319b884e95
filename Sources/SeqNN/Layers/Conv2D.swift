/// `keras.layers.Conv2D`: 2-D convolution over [batch, rows, cols, channels] (channels_last), with a
/// [kernel_rows, kernel_cols, in_channels, filters] kernel and a [filters] bias, as Keras stores them.
///
/// Keras quirks kept: 'same' padding is TensorFlow's (the smaller half of the padding goes before, so
/// with stride 2 on an even input the extra zero is at the bottom/right); strides > 1 together with
/// dilation_rate > 1 is refused, as Keras refuses it. `groups` must be 1.
package final class Conv2D: BaseConv, @unchecked Sendable {
    override package class var kerasClassName: String { "Conv2D" }

    package init(filters: Int, kernelSize: [Int], strides: [Int] = [1, 1], padding: ConvPadding = .valid,
                dilationRate: [Int] = [1, 1], activation: any ActivationFunction = Activations.Linear(),
                useBias: Bool = true, kernelInitializer: any Initializer = VarianceScaling.glorotUniform(seed: nil),
                biasInitializer: any Initializer = Constant(value: 0, className: "Zeros"),
                kernelRegularizer: Regularizer? = nil, biasRegularizer: Regularizer? = nil,
                name: String = "conv2d") throws {
        try super.init(rank: 2, filters: filters, kernelSize: kernelSize, strides: strides, padding: padding,
                       dilationRate: dilationRate, activation: activation, useBias: useBias,
                       kernelInitializer: kernelInitializer, biasInitializer: biasInitializer,
                       kernelRegularizer: kernelRegularizer, biasRegularizer: biasRegularizer, name: name)
    }
}

extension Conv2D {
    convenience init(config c: LayerConfig) throws {
        let o = try ConvConfig(c, rank: 2)
        try self.init(filters: o.filters, kernelSize: o.kernelSize, strides: o.strides, padding: o.padding,
                      dilationRate: o.dilationRate, activation: o.activation, useBias: o.useBias,
                      kernelInitializer: o.kernelInitializer, biasInitializer: o.biasInitializer,
                      kernelRegularizer: o.kernelRegularizer, biasRegularizer: o.biasRegularizer,
                      name: c.name ?? "conv2d")
    }
}
