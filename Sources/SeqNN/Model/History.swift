/// Keras's `History`: per epoch, the loss and each metric, then the same with `val_` prefixed.
public final class History: @unchecked Sendable {
    /// Keys in Keras's order: loss, metrics..., val_loss, val_metrics...
    public private(set) var keys: [String] = []
    /// `values[k][e]` is key k at the e-th recorded epoch.
    public private(set) var values: [[Double]] = []
    /// The epoch numbers recorded (0-based, starting at `initial_epoch`).
    public private(set) var epochs: [Int] = []

    package init() {}

    func record(epoch: Int, logs: [(String, Double)]) {
        if keys.isEmpty { keys = logs.map(\.0); values = logs.map { _ in [] } }
        for (k, v) in logs {
            if let i = keys.firstIndex(of: k) { values[i].append(v) } else {
                keys.append(k)
                values.append(Array(repeating: .nan, count: epochs.count) + [v])
            }
        }
        epochs.append(epoch)
    }

    /// `{"epochs": [...], "history": {"loss": [...], ...}}`, SeqNN's form in saved files.
    package var json: JSON {
        .object([("epochs", .array(epochs.map { .number(Double($0)) })),
                 ("history", .object(zip(keys, values).map { ($0, .array($1.map { .number($0) })) }))])
    }

    package convenience init(json: JSON) throws {
        self.init()
        guard let h = json["history"]?.object, let e = json["epochs"]?.array else {
            throw SeqNNError(.format, "history must be {\"epochs\": [...], \"history\": {...}}")
        }
        epochs = e.compactMap(\.int)
        for (k, v) in h {
            guard let list = v.array, list.count == epochs.count else {
                throw SeqNNError(.format, "history '\(k)' must list one value per epoch")
            }
            keys.append(k)
            values.append(list.map { $0.number ?? .nan })
        }
    }

    /// The values recorded under `key` ("loss", "val_accuracy", ...), or nil.
    public subscript(key: String) -> [Double]? { keys.firstIndex(of: key).map { values[$0] } }
}
