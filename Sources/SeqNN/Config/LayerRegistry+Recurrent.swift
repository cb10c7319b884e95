extension LayerRegistry {
    /// Embedding, Masking, SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed.
    static let recurrentFactories: [String: Factory] = [
        "Embedding": Embedding.init(config:),
        "Masking": Masking.init(config:),
        "SimpleRNN": SimpleRNN.init(config:),
        "LSTM": LSTM.init(config:),
        "GRU": GRU.init(config:),
        "Bidirectional": Bidirectional.init(config:),
        "TimeDistributed": TimeDistributed.init(config:),
    ]
}
