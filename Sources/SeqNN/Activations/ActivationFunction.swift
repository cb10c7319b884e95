#if canImport(Glibc)
import Glibc
#endif

/// A Keras activation function (`keras.activations.*`), applied in bulk over an [rows, cols] block.
///
/// `cols` is the last axis: softmax and log_softmax normalise over it (Keras's default `axis=-1`);
/// elementwise functions ignore the split. Backward receives the forward input `x` and output `y`
/// so each function can use whichever makes its derivative cheapest and most accurate.
package protocol ActivationFunction: Sendable {
    /// The Keras name written into configs ("relu", "softmax", ...).
    var name: String { get }
    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int)
    /// dx = dL/dx given dy = dL/dy. `dx` may alias `dy`.
    func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                  dx: UnsafeMutablePointer<Float>, rows: Int, cols: Int)
}

extension ActivationFunction {
    /// The name written into configs: Keras 2 knows silu only as "swish", which Keras 3 also reads.
    package var configName: String { name == "silu" ? "swish" : name }
}

/// An activation applied to each element on its own: `value` and its `derivative` are all it needs.
package protocol ElementwiseActivation: ActivationFunction {
    func value(_ x: Float) -> Float
    /// f'(x), given x and y = f(x).
    func derivative(_ x: Float, _ y: Float) -> Float
}

extension ElementwiseActivation {
    package func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for i in 0..<rows * cols { y[i] = value(x[i]) }
    }

    package func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                         dx: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for i in 0..<rows * cols { dx[i] = dy[i] * derivative(x[i], y[i]) }
    }
}

/// The activations Keras knows by name, as `keras.activations.get(name)` resolves them.
package enum Activations {
    package static let names = ["linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus",
                               "softsign", "exponential", "hard_sigmoid", "gelu", "silu", "swish",
                               "leaky_relu", "relu6", "log_softmax"]

    /// Resolves a Keras activation name. `nil` and "linear" mean identity, as in Keras.
    /// `kerasMajor` picks the generation whose definition differs (hard_sigmoid changed in Keras 3).
    package static func named(_ name: String?, kerasMajor: Int = 3) throws -> any ActivationFunction {
        switch name ?? "linear" {
        case "linear", "None", "": return Linear()
        case "relu": return ReLU()
        case "sigmoid": return Sigmoid()
        case "tanh": return Tanh()
        case "softmax": return Softmax()
        case "elu": return ELU()
        case "selu": return SELU()
        case "softplus": return Softplus()
        case "softsign": return Softsign()
        case "exponential": return Exponential()
        case "hard_sigmoid": return kerasMajor >= 3 ? HardSigmoid() : HardSigmoid(keras2: true)
        case "gelu": return GELU()
        case "silu": return SiLU(name: "silu")
        case "swish": return SiLU(name: "swish")
        case "leaky_relu": return LeakyReLU()
        case "relu6": return ReLU6()
        case "log_softmax": return LogSoftmax()
        case let other:
            throw SeqNNError(.invalidArgument,
                             "unknown activation '\(other)'; known: \(names.joined(separator: ", "))")
        }
    }
}

@inline(__always) func sigmoidf(_ x: Float) -> Float {
    // Stable in both tails: never evaluates exp of a large positive number.
    if x >= 0 { return 1 / (1 + expf(-x)) }
    let e = expf(x)
    return e / (1 + e)
}
