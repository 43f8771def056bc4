// swift-tools-version:6.0
// Benchmarks (Benchmarks/README.md): `make bench` at size; `make test` builds them in debug and runs them small.
import Foundation
import PackageDescription

// The project is a path dependency; SwiftPM names it after its folder (whatever the checkout is called).
let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent
    .lowercased()

let package = Package(
    name: "FlotillaBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(
            name: "request-floor",
            dependencies: [
                .product(name: "FlotillaModel", package: project),
                .product(name: "FlotillaKube", package: project),
            ]
        ),
        .executableTarget(
            name: "placement-benchmark",
            dependencies: [
                .product(name: "FlotillaModel", package: project),
                .product(name: "FlotillaPlacement", package: project),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
