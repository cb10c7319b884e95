extension Activations {
    /// `linear`: the identity (Keras's default when no activation is given).
    package struct Linear: ElementwiseActivation {
        package init() {}
        package var name: String { "linear" }
        @inline(__always) package func value(_ x: Float) -> Float { x }
        @inline(__always) package func derivative(_ x: Float, _ y: Float) -> Float { 1 }
    }
}
