// Inputs that must give an error status and never kill the host (ARCHITECTURE §3, §5: a trap cannot be caught).
// Each case runs in a child process through an exit test, so a crash fails that test and nothing else.
import Testing
@testable import SeqNN

struct RobustnessTests {
    /// A loss or metric above Int.max (about 9.2e18) printed by the progress bar: Progbar.format converts
    /// `units / scale` to Int (Progbar.swift, `let intPart = Int(units / scale)`), which traps.
    /// A diverging regression reaches such losses routinely; Keras prints them.
    @Test func hugeLossInTheProgressOutputDoesNotCrash() async {
        await #expect(processExitsWith: .success) {
            let m = try! Sequential([Dense(units: 1, kernelInitializer: Constant(value: 0))])
            try! m.setInput(shape: [1])
            try! m.compile(optimizer: "sgd", loss: "mse")
            var o = FitOptions()
            o.verbose = 2
            o.log = { _ in }
            _ = try? m.fit(x: [1], y: [1e10], options: o)   // loss (1e10)^2 = 1e20
        }
        await #expect(processExitsWith: .success) {
            _ = Progbar.formatValue(1e20)
            _ = Progbar.formatValue(-3e30)
        }
    }

    /// class_weight with one target column reads the class as Int(y) (Fit.swift, `sampleWeights`), which
    /// traps for a target beyond Int's range, e.g. a regression target of 1e20.
    @Test func classWeightWithAHugeTargetDoesNotCrash() async {
        await #expect(processExitsWith: .success) {
            let m = try! Sequential([Dense(units: 1)])
            try! m.setInput(shape: [1])
            try! m.compile(optimizer: "sgd", loss: "mse")
            var o = FitOptions()
            o.verbose = 0
            o.classWeight = [0: 1, 1: 2]
            _ = try? m.fit(x: [1, 2], y: [1e20, 0], options: o)
        }
    }

    /// Configs come from files. Sizes whose weights cannot exist must be refused with an error, not
    /// abort in the allocator or overflow Int while multiplying the shape.
    @Test func absurdDenseUnitsInAConfigAreAnError() async {
        await #expect(processExitsWith: .success) {
            let text = "[{\"class_name\": \"Dense\", \"config\": {\"units\": 1000000000000, \"batch_input_shape\": [null, 784]}}]"
            _ = try? Sequential.fromConfig(JSON.parse(text))
        }
    }

    @Test func absurdInputShapeBeforeFlattenIsAnError() async {
        await #expect(processExitsWith: .success) {
            let text = """
            [{"class_name": "Flatten", "config": {"batch_input_shape": [null, 100000, 100000, 100000]}},
             {"class_name": "Dense", "config": {"units": 2}}]
            """
            _ = try? Sequential.fromConfig(JSON.parse(text))
        }
    }

    @Test func overflowingReshapeTargetIsAnError() async {
        await #expect(processExitsWith: .success) {
            let text = """
            [{"class_name": "Reshape", "config": {"target_shape": [1000000000, 1000000000, 1000000000], "batch_input_shape": [null, 8]}}]
            """
            _ = try? Sequential.fromConfig(JSON.parse(text))
        }
    }

    /// The same sizes through the Swift API with checks that do not crash today.
    @Test func reasonableErrorsForBadSizes() throws {
        expectSeqNNError(.invalidArgument) { _ = try Dense(units: 0) }
        expectSeqNNError(.invalidArgument) {
            _ = try Sequential.fromConfig(json("[{\"class_name\": \"Dense\", \"config\": {\"units\": 2, \"batch_input_shape\": [null, -3]}}]"))
        }
        expectSeqNNError(.invalidArgument) { try Sequential().setInput(shape: [0]) }
        expectSeqNNError(.invalidArgument) { try Sequential().setInput(shape: []) }
        do {
            _ = try Sequential.fromConfig(json("[{\"class_name\": \"Dense\", \"config\": {\"units\": 2.5}}]"))
            Issue.record("units 2.5 was accepted")
        } catch let e as SeqNNError {
            #expect(e.message.contains("units"), "\(e.message)")
        }
    }
}
