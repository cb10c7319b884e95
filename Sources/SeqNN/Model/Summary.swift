extension Sequential {
    /// Keras's `model.summary()` table (tf.keras layout): layer name and class, output shape, param count,
    /// then total, trainable and non-trainable parameters with their size in memory.
    public func summary() -> String {
        let widths = [29, 26, 10]
        let rule = String(repeating: "_", count: 65), double = String(repeating: "=", count: 65)
        func row(_ cells: [String]) -> String {
            var line = ""
            for (c, w) in zip(cells, widths) {
                let cell = " " + c
                line += cell.count >= w ? cell + " " : cell + String(repeating: " ", count: w - cell.count)
            }
            return line
        }
        var out = "Model: \"\(name)\"\n\(rule)\n" + row(["Layer (type)", "Output Shape", "Param #"]) + "\n\(double)\n"
        for (i, l) in layers.enumerated() {
            let shape = l.outputShape.map { describeShape($0, batch: batchSize) } ?? "(unbuilt)"
            out += row(["\(l.name) (\(l.kerasClassName))", shape, "\(l.parameterCount)"]) + "\n"
            out += (i == layers.count - 1 ? "" : row(["", "", ""]) + "\n")
        }
        let total = parameterCount, trainable = trainableParameterCount
        out += "\(double)\n"
        out += "Total params: \(total) (\(Sequential.byteSize(total * 4)))\n"
        out += "Trainable params: \(trainable) (\(Sequential.byteSize(trainable * 4)))\n"
        out += "Non-trainable params: \(total - trainable) (\(Sequential.byteSize((total - trainable) * 4)))\n"
        return out + "\(rule)\n"
    }

    /// tf.keras's `readable_memory_size`: "99.41 KB", "0.00 Byte".
    static func byteSize(_ bytes: Int) -> String {
        let units = ["Byte", "KB", "MB", "GB", "TB"]
        var v = Double(bytes), k = 0
        while v >= 1024 && k < units.count - 1 { v /= 1024; k += 1 }
        return Progbar.format(v, decimals: 2, exponent: false) + " " + units[k]
    }
}
