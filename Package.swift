// swift-tools-version:6.0
import PackageDescription

/// Prunebook: a notebook-style REPL for pruning neural networks at initialization.
/// Targets and the direction of their dependencies follow docs/DESIGN.md.
let package = Package(
    name: "Prunebook",
    products: [
        .executable(name: "prunebook", targets: ["prunebook"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // System libraries (Debian: libreadline-dev, libopenblas-dev, zlib1g-dev; see scripts/setup).
        .systemLibrary(name: "CReadline", path: "Sources/CReadline",
                       providers: [.apt(["libreadline-dev"])]),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),

        // Strict JSON reading and canonical writing, shared by safetensors headers and notebooks.
        .target(name: "JSON"),
        .target(name: "Tensor", dependencies: ["COpenBLAS", "JSON"]),
        .target(name: "NeuralNet", dependencies: ["Tensor"]),
        .target(name: "Datasets", dependencies: ["Tensor", "CZlib"]),
        .target(name: "Training", dependencies: ["NeuralNet", "Datasets"]),
        .target(name: "Pruning", dependencies: ["Training"]),
        .target(name: "Plot"),
        .target(name: "PruneScript", dependencies: ["Pruning", "Plot"]),
        .target(name: "Notebook", dependencies: ["JSON"]),
        .target(name: "PrunebookCLI", dependencies: [
            "PruneScript", "Notebook", "CReadline",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "prunebook", dependencies: ["PrunebookCLI"]),

        // Test support: locating ../shared/golden and reading fixtures.
        .target(name: "TestSupport", dependencies: ["Tensor", "JSON"], path: "Tests/TestSupport"),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TestSupport"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "Training", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "TestSupport"]),
        .testTarget(name: "PruningTests", dependencies: ["Pruning", "TestSupport"]),
        .testTarget(name: "PlotTests", dependencies: ["Plot"], exclude: ["Golden"]),
        .testTarget(name: "PruneScriptTests", dependencies: ["PruneScript", "TestSupport"], exclude: ["Scripts"]),
        .testTarget(name: "NotebookTests", dependencies: ["Notebook", "JSON", "TestSupport"]),
        .testTarget(name: "PrunebookCLITests", dependencies: ["PrunebookCLI", "TestSupport"], exclude: ["Fixtures"]),
    ]
)
