/// Keras's progress output (tf.keras `Progbar`), written through the caller's sink, never to stdout.
///
/// verbose 1: `Epoch 1/10` then a bar redrawn with `\r`, ending
/// `57/57 [==============================] - 0s 2ms/step - loss: 1.9564 - accuracy: 0.4356`;
/// verbose 2: one line per epoch, `57/57 - 0s - loss: 1.9564 - accuracy: 0.4356 - 112ms/epoch - 2ms/step`.
/// Values print as `%.4f`, or `%.4e` when |v| < 1e-3, as Keras prints them.
struct Progbar {
    let target: Int
    let verbose: Int
    let sink: (String) -> Void
    let start = ContinuousClock.now
    private var lastDraw = ContinuousClock.now
    private var drawnOnce = false
    /// The width of the last line drawn, so a shorter redraw can blank the rest (as Keras does).
    private var lastWidth = 0

    init(target: Int, verbose: Int, sink: @escaping (String) -> Void) {
        self.target = target
        self.verbose = verbose
        self.sink = sink
    }

    static func epochHeader(_ epoch: Int, of total: Int) -> String { "Epoch \(epoch + 1)/\(total)\n" }

    /// Redraws at most every 50 ms (Keras's interval) and always at the end.
    /// `logs` is evaluated only when a line is drawn, so silent training builds no strings or arrays.
    mutating func update(_ current: Int, _ logs: @autoclosure () -> [(String, Double)], final: Bool = false) {
        guard verbose == 1 else {
            if final && verbose == 2 { sink(epochLine(logs())) }
            return
        }
        let now = ContinuousClock.now
        guard final || !drawnOnce || now - lastDraw >= .milliseconds(50) else { return }
        lastDraw = now
        drawnOnce = true
        var line = barLine(current, logs())
        let width = line.count
        if width < lastWidth { line += String(repeating: " ", count: lastWidth - width) }
        lastWidth = width
        sink("\r" + line + (final ? "\n" : ""))
    }

    func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    func barLine(_ current: Int, _ logs: [(String, Double)]) -> String {
        let width = 30
        let digits = String(target).count
        let cur = String(current)
        var line = String(repeating: " ", count: max(0, digits - cur.count)) + cur + "/\(target) ["
        let filled = target > 0 ? Int(Double(width) * Double(current) / Double(target)) : width
        if filled > 0 {
            line += String(repeating: "=", count: filled - 1) + (current < target ? ">" : "=")
        }
        line += String(repeating: ".", count: width - max(filled, 0)) + "]"
        let elapsed = seconds(ContinuousClock.now - start)
        if current < target {
            let eta = current > 0 ? elapsed / Double(current) * Double(target - current) : 0
            line += " - ETA: " + Progbar.formatETA(eta)
        } else {
            line += " - \(Int(elapsed.rounded()))s " + Progbar.formatPerUnit(elapsed / Double(max(target, 1)), "step")
        }
        return line + Progbar.formatLogs(logs)
    }

    func epochLine(_ logs: [(String, Double)]) -> String {
        let elapsed = seconds(ContinuousClock.now - start)
        return "\(target)/\(target) - \(Int(elapsed.rounded()))s" + Progbar.formatLogs(logs) + " - "
            + Progbar.formatPerUnit(elapsed, "epoch") + " - " + Progbar.formatPerUnit(elapsed / Double(max(target, 1)), "step") + "\n"
    }

    static func formatLogs(_ logs: [(String, Double)]) -> String {
        logs.map { " - \($0.0): " + formatValue($0.1) }.joined()
    }

    static func formatValue(_ v: Double) -> String {
        abs(v) > 1e-3 ? format(v, decimals: 4, exponent: false) : format(v, decimals: 4, exponent: true)
    }

    static func formatETA(_ s: Double) -> String {
        let t = Int(s.rounded())
        if t > 3600 { return "\(t / 3600):\(pad2((t % 3600) / 60)):\(pad2(t % 60))" }
        if t > 60 { return "\(t / 60):\(pad2(t % 60))" }
        return "\(t)s"
    }

    static func formatPerUnit(_ s: Double, _ unit: String) -> String {
        if s >= 1 { return "\(Int(s.rounded()))s/\(unit)" }
        if s >= 1e-3 { return "\(Int((s * 1e3).rounded()))ms/\(unit)" }
        return "\(Int((s * 1e6).rounded()))us/\(unit)"
    }

    static func pad2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// printf's %.Nf and %.Ne without Foundation.
    static func format(_ v: Double, decimals: Int, exponent: Bool) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        var x = abs(v)
        var e = 0
        if exponent && x != 0 {
            while x >= 10 { x /= 10; e += 1 }
            while x < 1 { x *= 10; e -= 1 }
        }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        var units = (x * scale).rounded()
        if exponent && units >= 10 * scale { units /= 10; e += 1 }
        // Beyond Int's range (and exact integers in Double) print in exponent form rather than trap.
        if !exponent && units >= 9.0e15 { return format(v, decimals: decimals, exponent: true) }
        let intPart = Int(units / scale)
        let frac = Int(units - Double(intPart) * scale)
        var fs = String(frac)
        fs = String(repeating: "0", count: max(0, decimals - fs.count)) + fs
        var s = (v < 0 ? "-" : "") + "\(intPart)" + (decimals > 0 ? "." + fs : "")
        if exponent { s += (e < 0 ? "e-" : "e+") + pad2(abs(e)) }
        return s
    }
}
