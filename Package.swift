// swift-tools-version: 6.1
// MixRL: Soft Actor-Critic with Gaussian-mixture policies, on OpenBLAS.
// The layers and their rules: docs/architecture.md; data flows up, nothing below
// imports anything above.
import PackageDescription

let package = Package(
    name: "MixRL",
    products: [
        .library(name: "MixRL", targets: ["MixRL"]),
        .executable(name: "mixrl", targets: ["mixrl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        // `swift package generate-documentation --target MixRL` (a command plugin: it is
        // built only when that command runs).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            path: "Modules/COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        .target(
            name: "MixTensor",
            dependencies: ["COpenBLAS", .product(name: "RealModule", package: "swift-numerics")]
        ),
        .target(name: "MixGraph", dependencies: ["MixTensor"]),
        .target(name: "MixPolicy", dependencies: ["MixGraph"]),
        .target(name: "MixProcess"),
        .target(name: "MixEnvs", dependencies: ["MixTensor", "MixProcess"]),
        .target(name: "MixAgents", dependencies: ["MixPolicy", "MixEnvs"]),
        .target(name: "MixCharts", dependencies: ["MixTensor"]),
        .target(name: "MixAnalysis", dependencies: ["MixAgents", "MixCharts"]),
        .target(name: "MixSweeps", dependencies: ["MixAgents", "MixCharts", "MixProcess"]),
        .target(name: "MixReports", dependencies: ["MixSweeps", "MixCharts"]),
        .target(name: "MixRL", dependencies: ["MixProcess", "MixTensor", "MixGraph", "MixPolicy", "MixEnvs", "MixAgents",
                                              "MixCharts", "MixAnalysis", "MixSweeps", "MixReports"]),
        // The harness of `mixrl bench` (timing, gemm floors, benchmark tables): part of the
        // tool, not of the MixRL product.
        .target(name: "MixBench", dependencies: ["COpenBLAS", "MixTensor", "MixGraph", "MixEnvs", "MixAgents"]),
        .executableTarget(
            name: "mixrl",
            dependencies: ["MixRL", "MixBench", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Shared by the test targets: test tiers (fast / integration), the virtualenv, the
        // mixrl executable, scratch folders. Not part of any product.
        .target(name: "MixTestSupport", path: "Tests/Support"),
        .target(name: "MixTensorTestSupport", dependencies: ["MixTensor"], path: "Tests/TensorSupport"),
        .testTarget(name: "MixProcessTests", dependencies: ["MixProcess", "MixTestSupport"]),
        .testTarget(name: "MixTensorTests", dependencies: ["MixTensor", "MixTestSupport", "MixTensorTestSupport"]),
        .testTarget(name: "MixGraphTests", dependencies: ["MixGraph", "MixTestSupport", "MixTensorTestSupport"]),
        // The exact references integrate with MixAnalysis's Gauss-Legendre rule.
        .testTarget(name: "MixPolicyTests", dependencies: ["MixPolicy", "MixAnalysis", "MixTestSupport"]),
        .testTarget(name: "MixEnvsTests", dependencies: ["MixEnvs", "MixTestSupport"]),
        // Golden/ is read through #filePath (and rewritten by MIXRL_UPDATE_GOLDEN=1), not bundled.
        .testTarget(name: "MixAgentsTests", dependencies: ["MixAgents", "MixTestSupport", "MixTensorTestSupport"], exclude: ["Golden"]),
        .testTarget(name: "MixChartsTests", dependencies: ["MixCharts", "MixTestSupport"]),
        .testTarget(name: "MixAnalysisTests", dependencies: ["MixAnalysis", "MixTestSupport"]),
        // TOMLCorpus/ (TOML documents and what Python's tomllib reads from them) is read through #filePath.
        // MixReports: the pool's and LocalSweep's tests check that their folders report.
        .testTarget(name: "MixSweepsTests", dependencies: ["MixSweeps", "MixReports", "MixTestSupport"], exclude: ["TOMLCorpus"]),
        .testTarget(name: "MixReportsTests", dependencies: ["MixReports", "MixTestSupport"]),
        .testTarget(name: "MixRLTests", dependencies: ["MixRL", "MixTestSupport"]),
    ]
)
