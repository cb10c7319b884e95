// Progress output (verbose 1 and 2) goes only to the caller's sink and prints values as Keras does.
import Synchronization
import Testing
@testable import SeqNN

struct ProgressTests {
    @Test func progressValuesPrintLikeKeras() {
        #expect(Progbar.formatValue(0.123456) == "0.1235")
        #expect(Progbar.formatValue(2) == "2.0000")
        #expect(Progbar.formatValue(1e-3) == "1.0000e-03")
        // Keras: `if abs(avg) > 1e-3: f"{avg:.4f}" else: f"{avg:.4e}"` (keras/src/utils/progbar.py:198),
        // so a zero accuracy prints as "0.0000e+00".
        #expect(Progbar.formatValue(0) == "0.0000e+00")
        #expect(Progbar.formatValue(-1.23456) == "-1.2346")
        #expect(Progbar.formatValue(1.5e-5) == "1.5000e-05")
        #expect(Progbar.formatValue(.nan) == "nan")
        #expect(Progbar.formatValue(123456.78) == "123456.7800")
    }

    @Test func verboseOutputGoesToTheSinkInKerasForm() throws {
        let m = try Sequential([Dense(units: 1)], seed: 1)
        try m.setInput(shape: [1])
        try m.compile(optimizer: "sgd", loss: "mse", metrics: ["mae"])
        for verbose in [1, 2] {
            let lines = Mutex<[String]>([])
            var o = FitOptions()
            o.verbose = verbose; o.epochs = 2; o.batchSize = 2
            o.log = { s in lines.withLock { $0.append(s) } }
            try m.fit(x: [1, 2, 3], y: [2, 4, 6], options: o)
            let text = lines.withLock { $0.joined() }
            #expect(text.contains(" - loss: ") && text.contains(" - mae: "), "\(text)")
            if verbose == 1 {
                #expect(text.hasPrefix("Epoch 1/2\n") && text.contains("Epoch 2/2\n") && text.contains("2/2 [=============================="), "\(text)")
            } else {
                #expect(!text.contains("Epoch") && text.contains("/epoch") && text.contains("/step"), "\(text)")
                #expect(lines.withLock { $0.count } == 2, "one line per epoch")
            }
        }
        // verbose 0, or no sink: nothing is produced.
        let silent = Mutex<Int>(0)
        var o = FitOptions(); o.verbose = 0; o.log = { _ in silent.withLock { $0 += 1 } }
        try m.fit(x: [1], y: [2], options: o)
        #expect(silent.withLock { $0 } == 0)
    }
}
