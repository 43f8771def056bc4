// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Flotilla",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "flotilla", targets: ["flotilla"]),
        .library(name: "FlotillaModel", targets: ["FlotillaModel"]),
        .library(name: "FlotillaPlacement", targets: ["FlotillaPlacement"]),
        .library(name: "FlotillaKube", targets: ["FlotillaKube"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(
            name: "FlotillaModel",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "FlotillaPlacement",
            dependencies: ["FlotillaModel", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "FlotillaAutoscaling",
            dependencies: ["FlotillaModel"]
        ),
        .target(
            name: "FlotillaAuthoring",
            dependencies: ["FlotillaModel", "FlotillaPlacement", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "FlotillaDiff",
            dependencies: ["FlotillaModel", "FlotillaPlacement"]
        ),
        .target(
            name: "FlotillaKube",
            dependencies: ["FlotillaModel", "CCurl", "CSpawn", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "FlotillaSim",
            dependencies: ["FlotillaModel", "FlotillaKube", "FlotillaPlacement",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HummingbirdTLS", package: "hummingbird"),
                           .product(name: "X509", package: "swift-certificates"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]
        ),
        .target(name: "CSpawn"),
        .target(
            name: "CGitDeadline",
            dependencies: ["CGit2"]
        ),
        .target(
            name: "FlotillaGit",
            dependencies: ["CGit2", "CGitDeadline", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "FlotillaEngine",
            dependencies: ["FlotillaModel", "FlotillaPlacement", "FlotillaDiff", "FlotillaKube", "FlotillaGit",
                           "FlotillaAutoscaling",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]
        ),
        .target(
            name: "FlotillaServer",
            dependencies: ["FlotillaEngine", .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "flotilla",
            dependencies: [
                "FlotillaModel",
                "FlotillaGit",
                "FlotillaPlacement",
                "FlotillaDiff",
                "FlotillaAuthoring",
                "FlotillaSim",
                "FlotillaEngine",
                "FlotillaServer",
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "FlotillaModelTests", dependencies: ["FlotillaModel"]),
        .target(name: "FlotillaTestSupport", dependencies: ["FlotillaKube"], path: "Tests/FlotillaTestSupport"),
        .testTarget(name: "FlotillaDiffTests", dependencies: ["FlotillaDiff"]),
        .testTarget(name: "FlotillaAuthoringTests", dependencies: ["FlotillaAuthoring"], exclude: ["Golden"]),
        .testTarget(name: "FlotillaAutoscalingTests", dependencies: ["FlotillaAutoscaling", "FlotillaModel"]),
        .testTarget(name: "FlotillaEngineTests", dependencies: ["FlotillaEngine", "FlotillaServer", "FlotillaSim",
                                                             "FlotillaTestSupport"]),
        .testTarget(name: "FlotillaKubeTests", dependencies: ["FlotillaKube", "FlotillaModel", "FlotillaTestSupport"],
                    exclude: ["FuzzCorpus"]),
        .testTarget(name: "FlotillaGitTests", dependencies: ["FlotillaGit", "FlotillaTestSupport"]),
        .testTarget(name: "FlotillaPlacementTests", dependencies: ["FlotillaPlacement"],
                    exclude: ["Golden"], resources: [.copy("Fixtures")]),
        .testTarget(name: "FlotillaCLITests", dependencies: ["flotilla", "FlotillaTestSupport", "FlotillaKube", "FlotillaModel",
                                                    "FlotillaSim", "FlotillaEngine"],
                    exclude: ["Golden"]),
    ],
    swiftLanguageModes: [.v6]
)
