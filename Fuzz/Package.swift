// swift-tools-version:6.0
// Fuzzing (`make fuzz`): libFuzzer drives Flotilla's parsers with inputs it mutates, coverage-guided. Built on
// demand with `-sanitize=fuzzer`; `make test` replays the seed corpora in `Tests/FlotillaModelTests/FuzzCorpus`.
import Foundation
import PackageDescription

// The project is a path dependency; SwiftPM names it after its folder (whatever the checkout is called).
let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent
    .lowercased()

let package = Package(
    name: "FlotillaFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "CFuzzer"),
        .executableTarget(
            name: "flotilla-fuzz",
            dependencies: [
                "CFuzzer",
                .product(name: "FlotillaModel", package: project),
                .product(name: "FlotillaPlacement", package: project),
                .product(name: "FlotillaKube", package: project),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
