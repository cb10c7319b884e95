// The Keras mask fixtures (model_mask_*, train_mask_* from tools/fixtures/generate_masking.py) per Keras
// generation: padded batches through Masking / Embedding(mask_zero=True) into SimpleRNN, LSTM, GRU,
// Bidirectional and GlobalAveragePooling1D, and training steps whose loss and metrics the output's mask
// weights. KerasParityTests runs the same files among all the others; this suite reports them separately
// and checks that every masking layer is covered.
import Testing
@testable import SeqNN

struct MaskingParityTests {
    static func maskFixtures(_ kind: String, generation: Int) throws -> [KerasParityTests.Fixture] {
        try KerasParityTests.fixtures(kind: kind).filter { $0.generation == generation && ($0.json["name"]?.string ?? "").hasPrefix("mask_") }
    }

    @Test(arguments: [2, 3])
    func forwardMatchesKeras(_ generation: Int) throws {
        let c = KerasParityTests.Checker()
        var classes = Set<String>()
        for f in try Self.maskFixtures("model", generation: generation) {
            let m = try KerasParityTests.model(f, weightsKey: "weights")
            classes.formUnion(m.layers.map(\.kerasClassName))
            let x = KerasParityTests.array(f.json["x"])!.values, y = KerasParityTests.array(f.json["y"])!.values
            c.close(try m.predict(x), y, "\(f.file) predict")
            c.close(try m.predict(x, batchSize: 2), y, "\(f.file) predict in batches of 2")
            // Written back and read again (mask_zero, mask_value, zero_output_for_mask), the model predicts the same.
            let again = try Sequential.fromConfig(m.config(), kerasMajor: generation)
            try copyWeights(m, again)
            c.close(try again.predict(x), y, "\(f.file) predict after config round trip")
        }
        print("Masking parity keras\(generation) forward: \(c.checks) checks, \(c.failures.count) failures, max |diff| \(c.worst)")
        #expect(c.failures.isEmpty, "\(c.failures.joined(separator: "\n"))")
        #expect(classes.isSuperset(of: ["Embedding", "Masking", "SimpleRNN", "LSTM", "GRU", "Bidirectional", "GlobalAveragePooling1D"]), "\(classes)")
        #expect(c.checks >= 50)
    }

    @Test(arguments: [2, 3])
    func trainingStepsMatchKeras(_ generation: Int) throws {
        let c = KerasParityTests.Checker()
        var losses = Set<String>()
        for f in try Self.maskFixtures("train", generation: generation) {
            let m = try KerasParityTests.model(f, weightsKey: "initial_weights")
            try KerasParityTests.compile(m, f.json["compile"]!)
            losses.insert(f.json["compile"]?["loss"]?.string ?? "?")
            let x = KerasParityTests.array(f.json["x"])!.values, y = KerasParityTests.array(f.json["y"])!.values
            let steps = f.json["steps"]!.array!
            for step in 1...10 {
                let r = try m.trainOnBatch(x: x, y: y)
                guard let s = steps.first(where: { $0["step"]?.int == step }) else { continue }
                c.close(r[0], s["loss"]!.number!, "\(f.file) loss at step \(step)")
                if let metrics = s["metrics"]?.object {
                    let names = try m.metricNames()
                    for (k, v) in metrics {
                        guard let i = names.firstIndex(of: k) else { c.failures.append("\(f.file): no metric \(k)"); continue }
                        c.close(r[i], v.number!, "\(f.file) \(k) at step \(step)")
                    }
                }
                let want = s["weights"]!.array!.flatMap { $0.array!.map { KerasParityTests.array($0)!.values } }
                for (i, (g, w)) in zip(try allWeights(m), want).enumerated() { c.close(g, w, "\(f.file) weight \(i) after step \(step)") }
            }
        }
        print("Masking parity keras\(generation) training: \(c.checks) checks, \(c.failures.count) failures, max |diff| \(c.worst)")
        #expect(c.failures.isEmpty, "\(c.failures.joined(separator: "\n"))")
        #expect(losses.count >= 4)
        #expect(c.checks >= 150)
    }
}
