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
}
