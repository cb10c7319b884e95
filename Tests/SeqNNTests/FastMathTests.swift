// FastMath against libm (the plain reference): exp within a few ulp, sigmoid/tanh within 1e-7 absolute,
// exact saturation, NaN propagation.
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SeqNN

struct FastMathTests {
    @Test func expMatchesLibm() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let want = expf(x), got = FastMath.exp(x)
            worst = max(worst, abs(got - want) / want)
            x += 0.0137
        }
        #expect(worst < 3e-7, "max relative error \(worst)")
    }

    @Test func sigmoidAndTanhMatchLibm() {
        var worst: Float = 0
        var x: Float = -30
        while x < 30 {
            worst = max(worst, abs(FastMath.sigmoid(x) - sigmoidf(x)), abs(FastMath.tanh(x) - tanhf(x)))
            x += 0.00731
        }
        #expect(worst < 2e-7, "max absolute error \(worst)")
        #expect(FastMath.tanh(100) == 1 && FastMath.tanh(-100) == -1)
        #expect(FastMath.sigmoid(200) == 1 && FastMath.sigmoid(-200) < 1e-37)
        #expect(FastMath.exp(.nan).isNaN && FastMath.tanh(.nan).isNaN)
        #expect(FastMath.exp(-1000) == 0 && FastMath.exp(1000).isFinite)
    }

    @Test func vectorFunctionsEqualTheScalarOnesBitForBit() {
        var xs: [Float] = [.nan, -.infinity, .infinity, -1000, -87.31, -87.3, -43.7, 0, -0.0, 88, 88.1, 1000]
        var x: Float = -95
        while x < 95 { xs.append(x); x += 0.0173 }
        while xs.count % 4 != 0 { xs.append(1) }
        var mismatches = 0
        for k in stride(from: 0, to: xs.count, by: 4) {
            let v = FastMath.Vector(xs[k..<k + 4])
            let e = FastMath.exp(v), s = FastMath.sigmoid(v), t = FastMath.tanh(v)
            for l in 0..<4 {
                let same = { (a: Float, b: Float) in a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }
                if !same(e[l], FastMath.exp(xs[k + l])) || !same(s[l], FastMath.sigmoid(xs[k + l]))
                    || !same(t[l], FastMath.tanh(xs[k + l])) { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
    }
}
