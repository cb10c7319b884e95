/// `keras.layers.Conv1D`: 1-D convolution over [batch, steps, channels] (channels_last), with a
/// [kernel_size, in_channels, filters] kernel and a [filters] bias, as Keras stores them.
///
/// Runs as a Conv2D of height 1 (the kernel memory is the same). padding may be 'valid', 'same'
/// (TensorFlow's rule) or 'causal' ((kernel_size - 1) * dilation_rate zeros before the sequence, none after).
package final class Conv1D: BaseConv, @unchecked Sendable {
    override package class var kerasClassName: String { "Conv1D" }

    package init(filters: Int, kernelSize: Int, strides: Int = 1, padding: ConvPadding = .valid,
                dilationRate: Int = 1, activation: any ActivationFunction = Activations.Linear(),
                useBias: Bool = true, kernelInitializer: any Initializer = VarianceScaling.glorotUniform(seed: nil),
                biasInitializer: any Initializer = Constant(value: 0, className: "Zeros"),
                kernelRegularizer: Regularizer? = nil, biasRegularizer: Regularizer? = nil,
                name: String = "conv1d") throws {
        try super.init(rank: 1, filters: filters, kernelSize: [kernelSize], strides: [strides], padding: padding,
                       dilationRate: [dilationRate], activation: activation, useBias: useBias,
                       kernelInitializer: kernelInitializer, biasInitializer: biasInitializer,
                       kernelRegularizer: kernelRegularizer, biasRegularizer: biasRegularizer, name: name)
    }
}

extension Conv1D {
    convenience init(config c: LayerConfig) throws {
        let o = try ConvConfig(c, rank: 1)
        try self.init(filters: o.filters, kernelSize: o.kernelSize[0], strides: o.strides[0], padding: o.padding,
                      dilationRate: o.dilationRate[0], activation: o.activation, useBias: o.useBias,
                      kernelInitializer: o.kernelInitializer, biasInitializer: o.biasInitializer,
                      kernelRegularizer: o.kernelRegularizer, biasRegularizer: o.biasRegularizer,
                      name: c.name ?? "conv1d")
    }
}
