// swift-tools-version: 6.1
// Examples that use MixRL as a library, the way your own package would: MixRL is a
// dependency (here by path, since the examples live inside its repository; in your
// package it is `.package(url: "https://github.com/…/MixRL", branch: "main")`).
//
//   swift run -c release --package-path Examples multimodal-bandit
//   swift run -c release --package-path Examples quickstart
//
// Swift 6 language mode (the default for tools 6.1): strict concurrency checking, as in MixRL.
import PackageDescription

let package = Package(
    name: "MixRLExamples",
    dependencies: [
        .package(name: "MixRL", path: ".."),
    ],
    targets: [
        // A tutorial: a custom environment, a custom gradient estimator, two training
        // runs, reading the metrics back, loading the trained agent, typed errors.
        .executableTarget(
            name: "multimodal-bandit",
            dependencies: [.product(name: "MixRL", package: "MixRL")]
        ),
        // The README's minimal program: register an environment, train, print the result.
        .executableTarget(
            name: "quickstart",
            dependencies: [.product(name: "MixRL", package: "MixRL")]
        ),
    ]
)
