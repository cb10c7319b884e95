/// `keras.utils.to_categorical(y, num_classes)`: integer labels -> one-hot rows.
/// Labels must be non-negative integers; without `numClasses` the count is max(label) + 1, as in Keras.
package func toCategorical(_ labels: UnsafeBufferPointer<Float>, numClasses: Int? = nil) throws -> (classes: Int, values: [Float]) {
    var maxLabel = -1
    for (i, v) in labels.enumerated() {
        guard v.isFinite, v >= 0, v.rounded() == v, v < Float(Int32.max) else {
            throw SeqNNError.invalid("to_categorical: labels must be non-negative integers; found \(v) at index \(i)")
        }
        maxLabel = max(maxLabel, Int(v))
    }
    let classes = numClasses ?? (maxLabel + 1)
    guard classes > 0 else { throw SeqNNError.invalid("to_categorical: num_classes must be positive, found \(classes)") }
    guard Tensor.checkedElementCount([labels.count, classes]) != nil else {
        throw SeqNNError.invalid("to_categorical: \(labels.count) labels x \(classes) classes is too large")
    }
    guard maxLabel < classes else {
        throw SeqNNError.invalid("to_categorical: label \(maxLabel) is out of range for num_classes=\(classes)")
    }
    var out = [Float](repeating: 0, count: labels.count * classes)
    for (i, v) in labels.enumerated() { out[i * classes + Int(v)] = 1 }
    return (classes, out)
}

package func toCategorical(_ labels: [Float], numClasses: Int? = nil) throws -> (classes: Int, values: [Float]) {
    try labels.withUnsafeBufferPointer { try toCategorical($0, numClasses: numClasses) }
}
