extension LayerRegistry {
    /// Embedding, SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed.
    static let recurrentFactories: [String: Factory] = [:]
}
