#if canImport(Glibc)
import Glibc
#endif
import SeqNN

/// Text formatting without Foundation: printf through `vsnprintf`, Keras's memory sizes, padding.
enum Format {
    /// C `printf` formatting (`"%.4g"`, `"%8.3f"`).
    static func c(_ format: String, _ args: CVarArg...) -> String {
        withVaList(args) { va in
            var buf = [CChar](repeating: 0, count: 128)
            let n = Int(vsnprintf(&buf, buf.count, format, va))
            if n >= buf.count {
                buf = [CChar](repeating: 0, count: n + 1)
                return withVaList(args) { va2 in
                    _ = vsnprintf(&buf, buf.count, format, va2)
                    return String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                }
            }
            return String(decoding: buf.prefix(max(n, 0)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// A statistic: 5 significant digits, `nan`/`inf` spelled out.
    static func stat(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        return c("%.5g", d)
    }

    /// A hyperparameter or other config value: numbers that are float32 values (Keras writes
    /// `0.0010000000474974513` for a float32 0.001) in their shortest float32 form, integers as integers.
    static func json(_ j: JSON) -> String {
        switch j {
        case .number(let n): return number(n)
        case .string(let s): return s
        case .array(let a): return "[" + a.map(json).joined(separator: ", ") + "]"
        default: return j.description
        }
    }

    static func number(_ n: Double) -> String {
        if n.isNaN { return "nan" }
        if n.isInfinite { return n > 0 ? "inf" : "-inf" }
        if n.rounded() == n, abs(n) < 1e15 { return String(Int(n)) }
        if Double(Float(n)) == n { return "\(Float(n))" }
        return "\(n)"
    }

    /// tf.keras's `readable_memory_size`: "1.51 KB", "0.00 Byte".
    static func memory(_ bytes: Int) -> String {
        let units = ["Byte", "KB", "MB", "GB", "TB", "PB"]
        var v = Double(bytes), k = 0
        while v >= 1024 && k < units.count - 1 { v /= 1024; k += 1 }
        return c("%.2f", v) + " " + units[k]
    }

    /// 29728 -> "29,728".
    static func grouped(_ n: Int) -> String {
        let s = String(abs(n))
        var out = ""
        for (i, ch) in s.enumerated() {
            if i > 0, (s.count - i) % 3 == 0 { out += "," }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// The file size line: "29,728 bytes".
    static func fileSize(_ n: Int) -> String { "\(grouped(n)) bytes" }

    static func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }
    static func lpad(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }
}
