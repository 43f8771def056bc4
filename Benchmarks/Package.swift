// swift-tools-version:6.0
// Benchmarks, run on demand (never in CI): `cd Benchmarks && swift run -c release placement-benchmark`.
import PackageDescription

let package = Package(
    name: "FlotillaBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(
            name: "request-floor",
            dependencies: [
                .product(name: "FlotillaModel", package: "main"),
                .product(name: "FlotillaKube", package: "main"),
            ]
        ),
        .executableTarget(
            name: "placement-benchmark",
            dependencies: [
                .product(name: "FlotillaModel", package: "main"),
                .product(name: "FlotillaPlacement", package: "main"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
