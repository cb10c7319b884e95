// swift-tools-version: 6.0
// SeqNN: Keras-style Sequential models in Swift with a C ABI (libseqnn.so).
// Dependency direction (ARCHITECTURE §1): SeqNNC -> SeqNNFile -> SeqNN -> CSeqNNBLAS, CSeqNNKernels;
// SeqNNFile -> CSeqNNHDF5, CSeqNNZip.
import PackageDescription

let package = Package(
    name: "seqnn",
    products: [
        .executable(name: "seqinspect", targets: ["seqinspect"]),
        // The process in which libhdf5 reads untrusted model files (ReaderProcess.swift); ships beside libseqnn.so.
        .executable(name: "seqnn-reader", targets: ["seqnn-reader"]),
        // libseqnn.so: only the seqnn_* functions of Include/seqnn.h are exported (exports.map).
        .library(name: "seqnn", type: .dynamic, targets: ["SeqNNC"]),
        .library(name: "SeqNN", targets: ["SeqNN"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // OpenBLAS is loaded at first use (see its header), not linked.
        // DWARF 4: valgrind 3.19 (Debian 12) cannot read clang's default DWARF 5 and gives up on the library.
        .target(name: "CSeqNNBLAS", path: "Sources/CSeqNNBLAS", cSettings: [.unsafeFlags(["-gdwarf-4"])],
                linkerSettings: [.linkedLibrary("dl")]),
        .systemLibrary(name: "CSeqNNHDF5", path: "Sources/CSeqNNHDF5",
                       pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        // The zip container of Keras 3's .keras files.
        .systemLibrary(name: "CSeqNNZip", path: "Sources/CSeqNNZip",
                       pkgConfig: "libzip", providers: [.apt(["libzip-dev"])]),
        .target(name: "CSeqNNSupport", path: "Sources/CSeqNNSupport", cSettings: [.unsafeFlags(["-gdwarf-4"])],
                linkerSettings: [.linkedLibrary("dl")]),
        // Kernels compiled per instruction set (AVX-512 / AVX2 / baseline), chosen by CSeqNNBLAS's one
        // backend value (seqnn_cpu.h), hence the dependency.
        .target(name: "CSeqNNKernels", dependencies: ["CSeqNNBLAS"], path: "Sources/CSeqNNKernels", cSettings: [.unsafeFlags(["-gdwarf-4", "-fno-math-errno"])]),
        .target(name: "SeqNN", dependencies: ["CSeqNNBLAS", "CSeqNNKernels"], path: "Sources/SeqNN"),
        .target(name: "SeqNNFile", dependencies: ["SeqNN", "CSeqNNHDF5", "CSeqNNZip", "CSeqNNSupport"], path: "Sources/SeqNNFile"),
        .target(name: "SeqNNC", dependencies: ["SeqNN", "SeqNNFile", "CSeqNNSupport"], path: "Sources/SeqNNC",
                exclude: ["exports.map"],
                linkerSettings: [.unsafeFlags([
                    "-Xlinker", "-soname=libseqnn.so.0",
                    "-Xlinker", "--version-script=Sources/SeqNNC/exports.map",
                    // Every symbol resolved at link time: a missing runtime library fails the build, not the user.
                    "-Xlinker", "-z", "-Xlinker", "defs",
                    // Never unmapped by dlclose: the statically linked Swift runtime keeps threads and
                    // thread-local destructors that would then run on unmapped code.
                    "-Xlinker", "-z", "-Xlinker", "nodelete",
                ])]),
        .executableTarget(name: "seqnn-reader", path: "Sources/seqnn-reader", linkerSettings: [.linkedLibrary("dl")]),
        .executableTarget(name: "seqinspect",
                          dependencies: ["SeqNN", "SeqNNFile", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "tools/seqinspect", exclude: ["README.md"]),
        // Plain reference implementations the tests hold the kernels to: test code, not shipped.
        .target(name: "SeqNNTestSupport", dependencies: ["SeqNN"], path: "Tests/SeqNNTestSupport"),
        .testTarget(name: "SeqNNTests", dependencies: ["SeqNN", "SeqNNTestSupport"], path: "Tests/SeqNNTests",
                    exclude: ["Fixtures"]),
        .testTarget(name: "SeqNNFileTests", dependencies: ["SeqNNFile", "SeqNN"], path: "Tests/SeqNNFileTests",
                    exclude: ["Fixtures"]),
        .testTarget(name: "SeqInspectTests", dependencies: ["seqinspect", "SeqNNFile", "SeqNN"], path: "Tests/SeqInspectTests",
                    exclude: ["Fixtures", "Snapshots"]),
    ],
    swiftLanguageModes: [.v6]
)
