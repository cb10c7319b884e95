/// `keras.layers.Activation`: applies a named activation function to its input. The activation layers
/// with their own class in Keras (`ReLU`, `LeakyReLU`, `ELU`, `Softmax`, `ThresholdedReLU`) subclass it
/// with their function and config.
package class Activation: Layer, @unchecked Sendable {
    override package class var kerasClassName: String { "Activation" }
    package var function: any ActivationFunction

    package init(_ function: any ActivationFunction, name: String = "activation") {
        self.function = function
        super.init(name: name)
    }

    /// In the class body (not an extension) so the subclasses can declare their own `init(config:)`.
    convenience init(config c: LayerConfig) throws {
        guard c.has("activation") else { throw c.fail("activation", "an activation name") }
        self.init(try c.activation(), name: c.name ?? "activation")
    }

    /// Keras: `supports_masking = True`; a mask passes through unchanged.
    override package func maskOutput(inputMask: [Int]?) throws -> MaskOutput { .passing(inputMask) }

    override package func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] { inputShape }

    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        state.output.resize(x.shape)
        let cols = x.shape.last ?? 1
        function.forward(x.data, state.output.data, rows: x.count / max(cols, 1), cols: cols)
    }

    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        guard needInputGrad else { return }
        state.gradInput.resize(x.shape)
        let cols = x.shape.last ?? 1
        function.backward(x: x.data, y: state.output.data, dy: dy.data, dx: state.gradInput.data,
                          rows: x.count / max(cols, 1), cols: cols)
    }

    /// The input is what the function was applied to: a crossentropy after softmax/sigmoid reads it as logits,
    /// and its gradient there is the gradient at this layer's input (nothing to compute).
    override package func exposesLogits(for activation: String) -> Bool { function.name == activation }
    override package func logits(_ x: Tensor, _ state: LayerState) -> Tensor { x }
    override package func backwardFromLogits(_ x: Tensor, _ dz: Tensor, _ state: LayerState, needInputGrad: Bool) -> Tensor { dz }

    override package func layerConfig() -> [(String, JSON)] { [("activation", .string(function.configName))] }

    /// A config number as Keras writes it (`1.0`, or null for nil).
    static func number(_ v: Float?) -> JSON { v.map { .number(Double($0)) } ?? .null }
}
