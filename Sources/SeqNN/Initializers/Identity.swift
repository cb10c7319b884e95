/// `identity`: gain times the identity matrix (2-D weights only, as in Keras).
package struct Identity: Initializer {
    package var gain: Double
    package var className: String { "Identity" }
    package var configPairs: [(String, JSON)] { [("gain", .real(gain))] }
    package func fill(_ t: Tensor, rng: inout SeededGenerator) {
        t.fill(0)
        guard t.shape.count == 2 else { return }
        for i in 0..<min(t.shape[0], t.shape[1]) { t.data[i * t.shape[1] + i] = Float(gain) }
    }
}
