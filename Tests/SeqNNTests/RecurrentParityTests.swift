// The recurrent fixtures (model_rnn_*, train_rnn_* from tools/fixtures/generate_rnn.py) per Keras generation,
// with their own counts and largest differences. KerasParityTests runs the same files among all the others;
// this suite reports them separately (the parity table of issue 6) and checks that every layer is covered.
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SeqNN

struct RecurrentParityTests {
    static func rnnFixtures(_ kind: String, generation: Int) throws -> [KerasParityTests.Fixture] {
        try KerasParityTests.fixtures(kind: kind).filter { $0.generation == generation && ($0.json["name"]?.string ?? "").hasPrefix("rnn_") }
    }

    @Test(arguments: [2, 3])
    func forwardMatchesKeras(_ generation: Int) throws {
        let c = KerasParityTests.Checker()
        var classes = Set<String>()
        for f in try Self.rnnFixtures("model", generation: generation) {
            let m = try KerasParityTests.model(f, weightsKey: "weights")
            classes.formUnion(m.layers.map(\.kerasClassName))
            c.close(try m.predict(KerasParityTests.array(f.json["x"])!.values), KerasParityTests.array(f.json["y"])!.values, "\(f.file) predict")
            // Written back and read again, the model predicts the same (config round trip, both dialects in).
            let again = try Sequential.fromConfig(m.config(), kerasMajor: generation)
            try copyWeights(m, again)
            if !m.hasStatefulLayers {
                c.close(try again.predict(KerasParityTests.array(f.json["x"])!.values), KerasParityTests.array(f.json["y"])!.values, "\(f.file) predict after config round trip")
            }
        }
        print("RNN parity keras\(generation) forward: \(c.checks) checks, \(c.failures.count) failures, max |diff| \(c.worst)")
        #expect(c.failures.isEmpty, "\(c.failures.joined(separator: "\n"))")
        #expect(classes.isSuperset(of: ["Embedding", "SimpleRNN", "LSTM", "GRU", "Bidirectional", "TimeDistributed"]), "\(classes)")
        #expect(c.checks >= 40)
    }

    @Test(arguments: [2, 3])
    func trainingStepsMatchKeras(_ generation: Int) throws {
        let c = KerasParityTests.Checker()
        var optimizers = Set<String>()
        for f in try Self.rnnFixtures("train", generation: generation) {
            let m = try KerasParityTests.model(f, weightsKey: "initial_weights")
            try KerasParityTests.compile(m, f.json["compile"]!)
            optimizers.insert(f.json["compile"]?["optimizer"]?["class_name"]?.string ?? "?")
            let x = KerasParityTests.array(f.json["x"])!.values, y = KerasParityTests.array(f.json["y"])!.values
            let steps = f.json["steps"]!.array!
            for step in 1...10 {
                let loss = try m.trainOnBatch(x: x, y: y)[0]
                guard let s = steps.first(where: { $0["step"]?.int == step }) else { continue }
                c.close(loss, s["loss"]!.number!, "\(f.file) loss at step \(step)")
                let want = s["weights"]!.array!.flatMap { $0.array!.map { KerasParityTests.array($0)!.values } }
                for (i, (g, w)) in zip(try allWeights(m), want).enumerated() { c.close(g, w, "\(f.file) weight \(i) after step \(step)") }
            }
        }
        print("RNN parity keras\(generation) training: \(c.checks) checks, \(c.failures.count) failures, max |diff| \(c.worst)")
        #expect(c.failures.isEmpty, "\(c.failures.joined(separator: "\n"))")
        #expect(optimizers.isSuperset(of: ["SGD", "Adam"]))
        #expect(c.checks >= 300)
    }
}
