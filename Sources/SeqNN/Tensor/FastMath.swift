/// exp, sigmoid and tanh as branch-free arithmetic the compiler vectorises, for the recurrent gates, where
/// libm's scalar expf/tanhf calls took most of an LSTM step (profile in tools/bench/README.md).
/// Accuracy: exp within 2 ulp of libm's expf over [-87, 88], 0 below (flush-to-zero's answer) (Cephes's polynomial on a ln2 range
/// reduction); sigmoid and tanh within 1e-7 absolute. NaN propagates; nothing traps. Tests compare them
/// with libm's functions (the plain reference).
public enum FastMath {
    @inline(__always)
    public static func exp(_ x0: Float) -> Float {
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
    public static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    /// tanh(x) = 1 - 2 / (1 + e^(2x)), exact at both saturations.
    @inline(__always)
    public static func tanh(_ x: Float) -> Float { 1 - 2 / (1 + exp(2 * x)) }
}

/// The same functions on four lanes at once, for loops that load and store whole vectors (the fused LSTM
/// step): operation for operation the scalar versions above, so each lane's result is bit-identical to
/// theirs (Swift contracts nothing into FMAs). Explicit vectors because the autovectoriser gives up on loops
/// that read and write many buffers it cannot prove apart. Four lanes: Swift's default x86-64 target has SSE
/// registers only, and eight lanes (two registers each) spilled in the LSTM step.
extension FastMath {
    public typealias Vector = SIMD4<Float>

    @inline(__always)
    public static func exp(_ x0: Vector) -> Vector {
        // Clamped by compare-and-select: `clamped`/`pointwiseMin` stay unspecialised generic calls.
        var x = x0
        x.replace(with: -87.3, where: x0 .< -87.3)
        x.replace(with: 88.0, where: x0 .> 88.0)
        let k = x * 1.44269504 + 12582912.0
        let n = k - 12582912.0
        let r = x - n * 0.693359375 - n * -2.12194440e-4
        var p = Vector(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let e = p * r * r + r + 1
        let exponent = (unsafeBitCast(k, to: SIMD4<Int32>.self) &- 0x4B40_0000) &+ 127
        var scaled = e * unsafeBitCast(exponent &<< 23, to: Vector.self)
        scaled.replace(with: 0, where: x0 .< -87.3)
        scaled.replace(with: x0, where: x0 .!= x0)   // NaN in, NaN out
        return scaled
    }

    @inline(__always)
    public static func sigmoid(_ x: Vector) -> Vector { 1 / (1 + exp(-x)) }

    @inline(__always)
    public static func tanh(_ x: Vector) -> Vector { 1 - 2 / (1 + exp(2 * x)) }

    /// Eight floats from `p` (any alignment).
    @inline(__always)
    public static func load(_ p: UnsafePointer<Float>) -> Vector { UnsafeRawPointer(p).loadUnaligned(as: Vector.self) }

    @inline(__always)
    public static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self) }
}
