// swift-tools-version:6.0
import PackageDescription
import Foundation

/// Prunebook: a notebook-style REPL for pruning neural networks at initialization.
///
/// The graph below is the real one: every target declares exactly the modules its files import
/// (`scripts/check-imports` fails the tests otherwise). Dependencies point down:
///
///     Support, JSON, Plot                      nothing of ours
///     Tensor ← NeuralNet, Datasets ← Training ← Pruning      the engine
///     NeuralNet ← ONNX                         ONNX files to and from graph networks (swift-protobuf)
///     PruneScript                              the language only (knows no networks)
///     Builtins                                 the bridge: engine and figure builtins for PruneScript
///     Notebook                                 the document model: cells, outputs, files
///     Raster                                   SVG → PNG (librsvg), for Jupyter and terminals
///     Session                                  cell execution shared by the REPL, `run`, kernel, sweep
///     Kernel                                   the Jupyter kernel (ZeroMQ, HMAC-SHA256)
///     Benchmarks                               what `prunebook bench` measures
///     Sweep                                    grids, the run cache, the local and Slurm engines, results
///     PrunebookCLI ← prunebook                 the commands; a thin @main
///     PrunebookFuzz                            libFuzzer harnesses over the readers and parsers
/// Code generation for the engine's kernels: on x86-64, release builds of the engine's targets
/// compile their vector loops (written over `SIMD16`) for the building machine's vector unit:
/// AVX-512 where its CPU has it (one `SIMD16<Float>` is one 512-bit register), else AVX2 and FMA,
/// instead of the SSE2 baseline (#22 note: the sparse kernels and elementwise passes run up to
/// 1.5× faster on AVX2; the dense direct convolution's register tiles, 24 vectors of 16 floats,
/// fit only AVX-512's 32 registers, so `PRUNEBOOK_AVX512` turns them on). The other kernels give
/// the same bits on any of them: Swift never fuses a multiply and an add by itself (the tiles
/// fuse explicitly, exactly rounded everywhere), and each sum's order is fixed by the code, not by
/// the vector width. `prunebook` refuses to
/// start, with a clear message, on a CPU without the instructions it was built for;
/// `PRUNEBOOK_TARGET_CPU=generic swift build …` builds for any x86-64 CPU, and
/// `PRUNEBOOK_TARGET_CPU=haswell` for any with AVX2 and FMA.
#if arch(x86_64)
let targetCPU = Context.environment["PRUNEBOOK_TARGET_CPU"] ?? hostTargetCPU()
#else
let targetCPU = "generic"
#endif
let engineCodegen: [SwiftSetting] = (targetCPU == "generic" ? [] : [.unsafeFlags(["-target-cpu", targetCPU], .when(configuration: .release))])
    + (targetCPU == "skylake-avx512" ? [.define("PRUNEBOOK_AVX512", .when(configuration: .release))] : [])
let cpuCheck: [SwiftSetting] = switch targetCPU {
case "haswell": [.define("PRUNEBOOK_NEEDS_AVX2", .when(configuration: .release))]
case "skylake-avx512": [.define("PRUNEBOOK_NEEDS_AVX512", .when(configuration: .release))]
default: []
}

/// The newest of the two vector units the engine is tuned for that the building machine's CPU
/// has, read from /proc/cpuinfo's flags ("generic" if it cannot be read).
func hostTargetCPU() -> String {
    guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return "generic" }
    let flags = Set(line.split(separator: " ").map(String.init))
    if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd", "fma"]) { return "skylake-avx512" }
    if flags.isSuperset(of: ["avx2", "fma"]) { return "haswell" }
    return "generic"
}

let package = Package(
    name: "Prunebook",
    products: [
        .executable(name: "prunebook", targets: ["prunebook"]),
        // The reusable libraries: their `public` declarations are the API. Targets that only
        // the program uses (Builtins, Session, Benchmarks, Sweep, PrunebookCLI) use `package` access.
        .library(name: "PrunebookEngine", targets: ["Support", "Tensor", "NeuralNet", "ONNX", "Datasets", "Training", "Pruning"]),
        .library(name: "PruneScript", targets: ["PruneScript"]),
        .library(name: "Plot", targets: ["Plot"]),
        .library(name: "Notebook", targets: ["Notebook"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // ONNX files: Sources/ONNX/onnx.pb.swift is generated once from onnx.proto (scripts/generate-onnx-proto).
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    ],
    targets: [
        // System libraries (Debian: libreadline-dev, libopenblas-dev, zlib1g-dev; see scripts/setup).
        .systemLibrary(name: "CReadline", path: "Sources/CReadline",
                       providers: [.apt(["libreadline-dev"])]),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CSystem", path: "Sources/CSystem"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CRsvg", path: "Sources/CRsvg", pkgConfig: "librsvg-2.0",
                       providers: [.apt(["librsvg2-dev"])]),
        .systemLibrary(name: "CZeroMQ", path: "Sources/CZeroMQ", pkgConfig: "libzmq",
                       providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CLibcrypto", path: "Sources/CLibcrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),

        // Atomic, durable file writes and the one cancellation token.
        .target(name: "Support"),
        // Strict JSON reading and canonical writing, shared by safetensors headers and notebooks.
        .target(name: "JSON"),
        .target(name: "Tensor", dependencies: ["COpenBLAS", "JSON", "Support"], swiftSettings: engineCodegen),
        .target(name: "NeuralNet", dependencies: ["Support", "Tensor"], swiftSettings: engineCodegen),
        .target(name: "Datasets", dependencies: ["CZlib", "Support", "Tensor"]),
        .target(name: "Training", dependencies: ["Datasets", "NeuralNet", "Support", "Tensor"], swiftSettings: engineCodegen),
        .target(name: "Pruning", dependencies: ["Datasets", "NeuralNet", "Support", "Tensor", "Training"], swiftSettings: engineCodegen),
        // ONNX import and export to and from NeuralNet graphs.
        .target(name: "ONNX", dependencies: ["NeuralNet", "Support", "Tensor", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                exclude: ["onnx.proto"]),
        .target(name: "Plot"),
        // SVG figures drawn as PNG (librsvg): for Jupyter front ends and terminals.
        .target(name: "Raster", dependencies: ["CRsvg"]),
        .target(name: "PruneScript", dependencies: ["Support"]),
        .target(name: "Builtins", dependencies: [
            "Datasets", "JSON", "NeuralNet", "ONNX", "Plot", "PruneScript", "Pruning", "Support", "Tensor", "Training",
        ]),
        .target(name: "Notebook", dependencies: ["JSON", "Support"]),
        .target(name: "Session", dependencies: ["Builtins", "JSON", "Notebook", "PruneScript", "Raster", "Support", "Tensor"]),
        // The Jupyter kernel: messaging protocol 5.3 over ZeroMQ, HMAC-SHA256 signatures (libcrypto).
        .target(name: "Kernel", dependencies: ["CLibcrypto", "CZeroMQ", "JSON", "Notebook", "PruneScript", "Raster", "Session", "Support"]),
        .target(name: "Benchmarks", dependencies: ["Datasets", "JSON", "NeuralNet", "ONNX", "Pruning", "Tensor", "Training"], swiftSettings: engineCodegen),
        .target(name: "Sweep", dependencies: ["Builtins", "CSystem", "JSON", "Notebook", "PruneScript", "Session", "Support"]),
        .target(name: "PrunebookCLI", dependencies: [
            "Benchmarks", "CReadline", "Datasets", "JSON", "Kernel", "NeuralNet", "Notebook", "PruneScript", "Session", "Support", "Sweep", "Tensor",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "prunebook", dependencies: ["PrunebookCLI"], swiftSettings: cpuCheck),
        // libFuzzer harnesses for every reader and parser (`make fuzz`); without the fuzzer it
        // replays inputs: `PrunebookFuzz HARNESS FILE...`.
        .executableTarget(name: "PrunebookFuzz", dependencies: ["Datasets", "JSON", "Kernel", "Notebook", "ONNX", "PruneScript", "Tensor"]),

        // Test support: locating ../shared/golden, reading fixtures, the nbformat validator.
        .target(name: "TestSupport", dependencies: ["JSON", "Tensor"], path: "Tests/TestSupport"),
        .testTarget(name: "SupportTests", dependencies: ["Support"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "Support", "Tensor", "TestSupport", "Training"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Support", "Tensor", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Datasets", "NeuralNet", "Support", "Tensor", "TestSupport", "Training"]),
        .testTarget(name: "PruningTests", dependencies: ["Datasets", "NeuralNet", "Pruning", "Tensor", "TestSupport", "Training"]),
        .testTarget(name: "PlotTests", dependencies: ["Plot"], exclude: ["Golden"]),
        .testTarget(name: "PruneScriptTests", dependencies: ["PruneScript", "Support"], exclude: ["Scripts"]),
        .testTarget(name: "BuiltinsTests", dependencies: [
            "Builtins", "NeuralNet", "PruneScript", "Pruning", "Tensor", "TestSupport",
        ]),
        .testTarget(name: "NotebookTests", dependencies: ["JSON", "Notebook", "Support", "TestSupport"]),
        .testTarget(name: "KernelTests", dependencies: ["JSON", "Kernel"]),
        .testTarget(name: "ONNXTests", dependencies: ["Datasets", "JSON", "NeuralNet", "ONNX", "Pruning", "Tensor", "TestSupport", "Training"],
                    exclude: ["Peers"]),
        .testTarget(name: "SessionTests", dependencies: ["Notebook", "PruneScript", "Session", "Support", "TestSupport"]),
        .testTarget(name: "PrunebookCLITests", dependencies: ["JSON", "PrunebookCLI", "Tensor", "TestSupport"],
                    exclude: ["Fixtures", "EngineScripts"]),
    ]
)
