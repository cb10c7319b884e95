// The one backend value (CSeqNNBLAS's seqnn_cpu.h): it is the one SEQNN_BACKEND asked for, or the best the
// CPU has below it; every kernel family follows it; and the AVX-512 convolution and pooling kernels agree
// with their plain C versions. tools/test.sh reruns this suite (with the kernel, optimizer, recurrent,
// gradient and parity suites) under SEQNN_BACKEND=avx2 and =portable, so each path is tested on one machine.
import CSeqNNBLAS
import CSeqNNKernels
import Foundation
import Testing
@testable import SeqNN

struct BackendTests {
    static let order = ["portable", "avx2", "avx512"]

    @Test func backendIsTheRequestedOneOrTheBestBelowIt() throws {
        let best = try #require(Self.order.firstIndex(of: Kernels.bestBackend))
        let running = try #require(Self.order.firstIndex(of: Kernels.backend))
        if let asked = ProcessInfo.processInfo.environment["SEQNN_BACKEND"], let a = Self.order.firstIndex(of: asked) {
            #expect(running == min(a, best))
            #expect((SeqNNCPU_fell_back() != 0) == (a > best))
        } else {
            #expect(running == best)
        }
    }

    /// The kernel families read the same value: the direct convolution and pooling kernels only on AVX-512,
    /// the own GEMM only there too (unless SEQNN_GEMM=openblas).
    @Test func everyFamilyFollowsTheBackend() {
        #expect(ConvKernels.hasAVX512 == (Kernels.backend == "avx512"))
        let openblas = ProcessInfo.processInfo.environment["SEQNN_GEMM"]?.lowercased() == "openblas"
        #expect(Kernels.ownKernels == (Kernels.backend == "avx512" && !openblas))
    }

    /// The CPU check agrees with the kernel's view of the CPU (/proc/cpuinfo lists only what the OS enabled).
    @Test func bestBackendMatchesCPUInfo() throws {
        #if arch(x86_64) && os(Linux)
        let info = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let line = try #require(info.split(separator: "\n").first { $0.hasPrefix("flags") })
        let flags = Set(line.split(separator: " ").map(String.init))
        let avx2 = ["avx2", "fma"].allSatisfy(flags.contains)
        let avx512 = avx2 && ["avx512f", "avx512vl", "avx512bw", "avx512dq", "f16c"].allSatisfy(flags.contains)
        #expect(Kernels.bestBackend == (avx512 ? "avx512" : avx2 ? "avx2" : "portable"))
        #else
        #expect(Kernels.bestBackend == "portable")
        #endif
    }

    /// The exported convolution / pooling kernels (AVX-512 on that backend, plain C otherwise) against the
    /// plain C versions, on W4's shape and a padded, strided, multi-channel one.
    @Test(arguments: [(1, 32, 3, 1, 1, true), (3, 16, 3, 2, 0, false), (2, 64, 2, 1, 1, true)])
    func convolutionAndPoolingMatchThePlainVersions(_ c: (Int, Int, Int, Int, Int, Bool)) {
        let (C, F, k, s, pad, relu) = c
        let N = 2, inH = 9, inW = 8
        let outH = (inH + 2 * pad - k) / s + 1, outW = (inW + 2 * pad - k) / s + 1
        var g = SeqNNWindow(inH: Int32(inH), inW: Int32(inW), channels: Int32(C), kH: Int32(k), kW: Int32(k),
                            sH: Int32(s), sW: Int32(s), dH: 1, dW: 1, padTop: Int32(pad), padLeft: Int32(pad),
                            outH: Int32(outH), outW: Int32(outW))
        var p = SeqNNWindow(inH: Int32(outH), inW: Int32(outW), channels: Int32(F), kH: 2, kW: 2, sH: 2, sW: 2,
                            dH: 1, dW: 1, padTop: 0, padLeft: 0, outH: Int32(outH / 2), outW: Int32(outW / 2))
        var rng = SystemRandomNumberGenerator()
        func random(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -1...1, using: &rng) } }
        let x = random(N * inH * inW * C), w = random(k * k * C * F), bias = random(F)
        let ny = N * outH * outW * F, np = N * (outH / 2) * (outW / 2) * F, r: Int32 = relu ? 1 : 0
        func close(_ a: [Float], _ b: [Float], _ tol: Float = 1e-4) -> Bool {
            zip(a, b).allSatisfy { abs($0 - $1) <= tol * (1 + abs($1)) }
        }

        var y = [Float](repeating: 0, count: ny), yRef = y
        SeqNNKernels_conv_direct_forward(x, Int32(N), &g, w, bias, Int32(F), r, &y)
        SeqNNKernels_conv_direct_forward_portable(x, Int32(N), &g, w, bias, Int32(F), r, &yRef)
        #expect(close(y, yRef), "conv forward")

        let dy = random(ny)
        var dw = [Float](repeating: 0, count: w.count), db = [Float](repeating: 0, count: F), dwRef = dw, dbRef = db
        SeqNNKernels_conv_direct_backward(x, dy, yRef, Int32(N), &g, Int32(F), r, &dw, &db)
        SeqNNKernels_conv_direct_backward_portable(x, dy, yRef, Int32(N), &g, Int32(F), r, &dwRef, &dbRef)
        #expect(close(dw, dwRef) && close(db, dbRef), "conv backward")

        var py = [Float](repeating: 0, count: np), pyRef = py
        var arg = [UInt8](repeating: 0, count: np), argRef = arg
        SeqNNKernels_maxpool_forward(yRef, Int32(N), &p, &py, &arg)
        SeqNNKernels_maxpool_forward_portable(yRef, Int32(N), &p, &pyRef, &argRef)
        #expect(py == pyRef && arg == argRef, "maxpool forward")
        let pdy = random(np)
        var dx = [Float](repeating: 0, count: ny), dxRef = dx
        SeqNNKernels_maxpool_backward(pdy, argRef, Int32(N), &p, &dx)
        SeqNNKernels_maxpool_backward_portable(pdy, argRef, Int32(N), &p, &dxRef)
        #expect(dx == dxRef, "maxpool backward")

        var buf = [Float](repeating: 0, count: 2 * outW * F)
        var fy = [Float](repeating: 0, count: np), fyRef = fy, farg = arg, fargRef = arg
        SeqNNKernels_conv_pool_forward(x, Int32(N), &g, w, bias, Int32(F), r, &p, &buf, &fy, &farg)
        SeqNNKernels_conv_pool_forward_portable(x, Int32(N), &g, w, bias, Int32(F), r, &p, &buf, &fyRef, &fargRef)
        #expect(close(fy, fyRef) && close(fyRef, pyRef), "conv + pool forward")
        var fdw = [Float](repeating: 0, count: w.count), fdb = [Float](repeating: 0, count: F), fdwRef = fdw, fdbRef = fdb
        SeqNNKernels_conv_pool_backward(x, pdy, fyRef, fargRef, Int32(N), &g, &p, Int32(F), r, &fdw, &fdb)
        SeqNNKernels_conv_pool_backward_portable(x, pdy, fyRef, fargRef, Int32(N), &g, &p, Int32(F), r, &fdwRef, &fdbRef)
        #expect(close(fdw, fdwRef) && close(fdb, fdbRef), "conv + pool backward")
    }
}
