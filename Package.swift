// swift-tools-version: 6.0
// SeqNN: Keras-style Sequential models in Swift with a C ABI (libseqnn.so).
// Dependency direction (DESIGN §1): SeqNNC -> SeqNN -> CSeqNNBLAS / CSeqNNSupport.
import PackageDescription

let package = Package(
    name: "seqnn",
    products: [
        // libseqnn.so: only the seqnn_* functions of Include/seqnn.h are exported (exports.map).
        .library(name: "seqnn", type: .dynamic, targets: ["SeqNNC"]),
        .library(name: "SeqNN", targets: ["SeqNN"]),
    ],
    targets: [
        .systemLibrary(name: "CSeqNNBLAS", path: "Sources/CSeqNNBLAS",
                       pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .target(name: "CSeqNNSupport", path: "Sources/CSeqNNSupport"),
        .target(name: "SeqNN", dependencies: ["CSeqNNBLAS"], path: "Sources/SeqNN"),
        .target(name: "SeqNNC", dependencies: ["SeqNN", "CSeqNNSupport"], path: "Sources/SeqNNC",
                linkerSettings: [.unsafeFlags([
                    "-Xlinker", "-soname=libseqnn.so.0",
                    "-Xlinker", "--version-script=Sources/SeqNNC/exports.map",
                ])]),
        .testTarget(name: "SeqNNTests", dependencies: ["SeqNN"], path: "Tests/SeqNNTests",
                    exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
