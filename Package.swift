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
        .target(name: "MixEnvs", dependencies: ["MixTensor"]),
        .target(name: "MixAgents", dependencies: ["MixPolicy", "MixEnvs"]),
        .target(name: "MixExperiments", dependencies: ["MixAgents"]),
        .target(name: "MixRL", dependencies: ["MixTensor", "MixGraph", "MixPolicy", "MixEnvs", "MixAgents", "MixExperiments"]),
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
        .testTarget(name: "MixTensorTests", dependencies: ["MixTensor", "MixTestSupport"]),
        .testTarget(name: "MixGraphTests", dependencies: ["MixGraph", "MixTestSupport"]),
        .testTarget(name: "MixPolicyTests", dependencies: ["MixPolicy", "MixTestSupport"]),
        .testTarget(name: "MixEnvsTests", dependencies: ["MixEnvs", "MixTestSupport"]),
        // Golden/ is read through #filePath (and rewritten by MIXRL_UPDATE_GOLDEN=1), not bundled.
        .testTarget(name: "MixAgentsTests", dependencies: ["MixAgents", "MixTestSupport"], exclude: ["Golden"]),
        // TOMLCorpus/ (TOML documents and what Python's tomllib reads from them) is read through #filePath.
        .testTarget(name: "MixExperimentsTests", dependencies: ["MixExperiments", "MixTestSupport"], exclude: ["TOMLCorpus"]),
        .testTarget(name: "MixRLTests", dependencies: ["MixRL", "MixTestSupport"]),
    ]
)
