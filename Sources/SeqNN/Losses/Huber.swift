/// `huber` (delta = 1 by default): 0.5 e^2 where |e| <= delta, else delta (|e| - 0.5 delta); mean over the last axis.
package struct Huber: ElementwiseLoss {
    package var delta: Float
    package var name: String { "huber" }
    package var className: String { "Huber" }
    package var configPairs: [(String, JSON)] { [("delta", .float(delta))] }
    @inline(__always) package func term(_ t: Float, _ y: Float) -> Float {
        let e = abs(y - t)
        return e <= delta ? 0.5 * e * e : delta * e - 0.5 * delta * delta
    }
    @inline(__always) package func termGradient(_ t: Float, _ y: Float) -> Float {
        let e = y - t
        return abs(e) <= delta ? e : delta * signum(e)
    }
}
