/// exp, sigmoid and tanh as branch-free arithmetic the compiler vectorises, for the recurrent gates, where
/// libm's scalar expf/tanhf calls took most of an LSTM step (profile in tools/bench/README.md).
/// Accuracy: exp within 2 ulp of libm's expf over [-87, 88], 0 below (flush-to-zero's answer) (Cephes's polynomial on a ln2 range
/// reduction); sigmoid and tanh within 1e-7 absolute. NaN propagates; nothing traps. Tests compare them
/// with libm's functions (the plain reference).
package enum FastMath {
    @inline(__always)
    package static func exp(_ x0: Float) -> Float {
        let x = Swift.min(Swift.max(x0, -87.3), 88.0)
        // Round x / ln2 to the nearest integer with the 1.5 * 2^23 trick: no Float -> Int conversion (which
        // would trap on NaN) and no branch.
        let k = x * 1.44269504 + 12582912.0
        let n = k - 12582912.0
        let r = x - n * 0.693359375 - n * -2.12194440e-4
        var p: Float = 1.9875691500e-4
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let e = p * r * r + r + 1
        let exponent = (Int32(bitPattern: k.bitPattern) &- 0x4B40_0000) &+ 127
        let scaled = e * Float(bitPattern: UInt32(bitPattern: exponent << 23))
        // Below -87.3 the true value is denormal or smaller: 0, as under flush-to-zero.
        return x0.isNaN ? x0 : (x0 < -87.3 ? 0 : scaled)
    }

    @inline(__always)
    package static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    /// tanh(x) = 1 - 2 / (1 + e^(2x)), exact at both saturations.
    @inline(__always)
    package static func tanh(_ x: Float) -> Float { 1 - 2 / (1 + exp(2 * x)) }
}
