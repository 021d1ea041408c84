// swift-tools-version: 6.1
// MixRL: Soft Actor-Critic with Gaussian-mixture policies, on OpenBLAS.
// The layers and their rules are in DESIGN.md (the team's shared copy); data flows up,
// nothing below imports anything above.
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
        .executableTarget(
            name: "mixrl",
            dependencies: ["MixRL", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "MixTensorTests", dependencies: ["MixTensor"]),
        .testTarget(name: "MixGraphTests", dependencies: ["MixGraph"]),
        .testTarget(name: "MixPolicyTests", dependencies: ["MixPolicy"]),
        .testTarget(name: "MixEnvsTests", dependencies: ["MixEnvs"]),
        // Golden/ is read through #filePath (and rewritten by MIXRL_UPDATE_GOLDEN=1), not bundled.
        .testTarget(name: "MixAgentsTests", dependencies: ["MixAgents"], exclude: ["Golden"]),
        .testTarget(name: "MixExperimentsTests", dependencies: ["MixExperiments"]),
        .testTarget(name: "MixRLTests", dependencies: ["MixRL"]),
    ]
)
