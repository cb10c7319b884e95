/// A float32 tensor: one contiguous row-major buffer plus a shape, batch first (the numpy/Keras layout).
///
/// A `Tensor` owns its memory and keeps its capacity when its shape changes, so workspaces resized to the
/// same or a smaller batch never allocate again (ARCHITECTURE §2: no heap allocation per batch in the steady state).
package final class Tensor: @unchecked Sendable {
    /// The dimensions, outermost first. `shape[0]` is the batch dimension for activations.
    package private(set) var shape: [Int]
    /// The number of elements `shape` describes.
    package private(set) var count: Int
    /// The number of elements the buffer can hold without reallocating.
    package private(set) var capacity: Int
    /// The elements, `count` of them valid. Stable until a `resize` that needs more capacity.
    package private(set) var data: UnsafeMutablePointer<Float>

    package init(shape: [Int], repeating value: Float = 0) {
        let n = Tensor.elementCount(shape)
        self.shape = shape
        self.count = n
        self.capacity = max(n, 1)
        self.data = .allocate(capacity: max(n, 1))
        data.initialize(repeating: value, count: max(n, 1))
    }

    package convenience init(shape: [Int], values: [Float]) {
        precondition(values.count == Tensor.elementCount(shape), "Tensor: \(values.count) values for shape \(shape)")
        self.init(shape: shape)
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: values.count) }
    }

    /// False while the tensor views memory it does not own (`view`): that memory is never freed or written
    /// through this tensor by SeqNN.
    private var owned = true

    deinit { if owned { data.deallocate() } }

    /// Makes this tensor a view of `batch` rows of `rest` floats at `rows` (caller memory, e.g. predict's
    /// input read in place), without copying. Allocates nothing once the shape has been seen. A later
    /// `resize` gives the tensor its own memory again.
    func view(_ rows: UnsafePointer<Float>, batch: Int, rest: [Int]) {
        if owned { data.deallocate(); owned = false; capacity = 0 }
        data = UnsafeMutablePointer(mutating: rows)
        if !(shape.count == rest.count + 1 && shape[0] == batch && shape.dropFirst().elementsEqual(rest)) { shape = [batch] + rest }
        count = Tensor.elementCount(shape)
    }

    package static func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// The most elements one tensor may hold (2^31 floats, 8 GiB): sizes read from configs are checked
    /// against it so a bad file gives an error instead of an allocator abort or an Int overflow trap.
    package static let maxElements = 1 << 31

    /// The element count of `shape`, or nil when a size is negative, the product overflows or exceeds `maxElements`.
    package static func checkedElementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, p <= maxElements else { return nil }
            n = p
        }
        return n
    }

    /// Changes the shape, growing the buffer only when it is too small. Contents are unspecified afterwards.
    package func resize(_ newShape: [Int]) {
        let n = Tensor.elementCount(newShape)
        if n > capacity {
            if owned { data.deallocate() }
            owned = true
            data = .allocate(capacity: n)
            data.initialize(repeating: 0, count: n)
            capacity = n
        }
        if newShape != shape { shape = newShape }
        count = n
    }

    /// Resizes to `[batch] + rest`, reusing the shape array when only the batch changes.
    package func resize(batch: Int, rest: [Int]) {
        if shape.count == rest.count + 1 && shape[0] == batch && shape.dropFirst().elementsEqual(rest) { return }
        resize([batch] + rest)
    }

    package var array: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    package func fill(_ value: Float) { data.update(repeating: value, count: count) }

    package func copy(from other: Tensor) {
        resize(other.shape)
        data.update(from: other.data, count: count)
    }

    package func copy() -> Tensor {
        let t = Tensor(shape: shape)
        t.data.update(from: data, count: count)
        return t
    }

    /// The batch size (first dimension) and the number of elements per sample.
    package var rows: Int { shape.first ?? 1 }
    package var rowLength: Int { shape.isEmpty ? 1 : count / max(shape[0], 1) }
}
