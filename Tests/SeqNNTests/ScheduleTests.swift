// Learning-rate schedules (keras.optimizers.schedules) against the rates real Keras computes: every
// schedule_*.json fixture (tools/fixtures/generate_schedules.py) holds a schedule as Keras serializes it inside
// an optimizer config and Keras's float32 rate at steps 0...40 and a few far ones. Training with a schedule is
// covered by the train_sched_* fixtures in KerasParityTests.
import Testing
@testable import SeqNN

@Suite struct ScheduleTests {
    static let fixtures = (try? KerasParityTests.fixtures(kind: "schedule")) ?? []

    @Test func fixturesExistForEverySchedule() {
        let classes = Set(Self.fixtures.compactMap { $0.json["schedule"]?["class_name"]?.string })
        #expect(classes == Set(LearningRateSchedules.classNames))
        #expect(Set(Self.fixtures.map(\.generation)) == [2, 3])
    }

    @Test func rateAtEveryStepMatchesKeras() throws {
        for f in Self.fixtures {
            let s = try LearningRateSchedules.from(f.json["schedule"]!)
            let steps = f.json["steps"]!.array!.map { $0.int! }
            let want = f.json["learning_rate"]!.array!.map { $0.number! }
            for (step, w) in zip(steps, want) {
                let got = Double(s.value(at: step))
                // Keras's float32 ops (powf, cosf, logf in Eigen) against glibc's: a few ulps at most.
                #expect(abs(got - w) <= 1e-9 + 2e-6 * abs(w), "\(f.file): step \(step): \(got), Keras \(w)")
            }
        }
    }

    /// Keras 3's `optimizer.learning_rate` is schedule(iterations), the rate of the next step (tf_keras reports
    /// the rate of the last step taken instead; SeqNN follows Keras 3, so only those fixtures are compared).
    @Test func optimizerLearningRateIsTheNextStepsRate() throws {
        for f in Self.fixtures where f.generation == 3 {
            let m = Sequential()
            try m.setInput(shape: [2])
            try m.add(LayerRegistry.make(className: "Dense", config: ["units": 1]))
            try m.compile(optimizer: .object([("class_name", "SGD"), ("config", .object([("learning_rate", f.json["schedule"]!)]))]),
                          loss: "mse")
            for (k, w) in f.json["optimizer_learning_rate"]!.array!.enumerated() {
                _ = try m.trainOnBatch(x: [1, 1, 1, 1], y: [0, 0])
                let got = Double(m.optimizer!.currentLearningRate)
                #expect(abs(got - w.number!) <= 1e-9 + 2e-6 * abs(w.number!), "\(f.file): after \(k + 1) steps")
            }
        }
    }

    /// The schedule goes back into a config exactly as Keras 3 wrote it (same keys, order and values).
    @Test func configRoundTripsKeras3() throws {
        for f in Self.fixtures where f.generation == 3 {
            let spec = f.json["schedule"]!
            #expect(try LearningRateSchedules.from(spec).serialized() == spec, "\(f.file)")
        }
    }

    @Test func defaultsFillTheConfig() throws {
        let s = try LearningRateSchedules.from(["class_name": "CosineDecay", "config": ["initial_learning_rate": 0.1, "decay_steps": 10]])
        #expect(s.serialized()["config"] == ["initial_learning_rate": 0.1, "decay_steps": 10, "alpha": .real(0),
                                              "name": "CosineDecay", "warmup_target": .null, "warmup_steps": 0])
    }

    @Test(arguments: [
        (#"{"class_name": "OneCycle", "config": {}}"#, "unknown learning-rate schedule 'OneCycle'"),
        (#"{"class_name": "ExponentialDecay", "config": {"initial_learning_rate": 0.1, "decay_steps": 0, "decay_rate": 0.5}}"#, "'decay_steps' must be > 0"),
        (#"{"class_name": "ExponentialDecay", "config": {"initial_learning_rate": 0.1, "decay_rate": 0.5}}"#, "'decay_steps' must be given"),
        (#"{"class_name": "ExponentialDecay", "config": {"initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.5, "gamma": 1}}"#, "unknown argument 'gamma'"),
        (#"{"class_name": "PiecewiseConstantDecay", "config": {"boundaries": [1, 2], "values": [0.1, 0.01]}}"#, "one more number than 'boundaries'"),
        (#"{"class_name": "PiecewiseConstantDecay", "config": {"boundaries": [5, 2], "values": [0.1, 0.01, 0.001]}}"#, "strictly increasing"),
        (#"{"class_name": "CosineDecay", "config": {"initial_learning_rate": "fast", "decay_steps": 2}}"#, "'initial_learning_rate' must be a finite number"),
        (#"{"config": {}}"#, "must be {\"class_name\", \"config\"}"),
    ])
    func badSchedulesAreRefusedByName(spec: String, message: String) throws {
        let opt: JSON = .object([("class_name", "SGD"), ("config", .object([("learning_rate", try JSON.parse(spec))]))])
        do {
            _ = try Optimizers.from(opt)
            Issue.record("accepted \(spec)")
        } catch let e as SeqNNError {
            #expect(e.message.hasPrefix("SGD: learning_rate: "), "\(e.message)")
            #expect(e.message.contains(message), "\(e.message)")
        }
    }

    /// Keras raises TypeError when a schedule-driven learning rate is assigned; SeqNN refuses it the same way.
    @Test func aScheduledRateIsNotSettable() throws {
        let m = Sequential()
        try m.setInput(shape: [2])
        try m.add(LayerRegistry.make(className: "Dense", config: ["units": 1]))
        try m.compile(optimizer: ["class_name": "Adam", "config": ["learning_rate": ["class_name": "ExponentialDecay",
                      "config": ["initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.5]]]], loss: "mse")
        expectSeqNNError(.invalidArgument) { try m.setLearningRate(0.01) }
        #expect(m.optimizer!.currentLearningRate == 0.1)
    }
}
