// swift-tools-version: 6.0
import PackageDescription

/// C libraries come from Debian's -dev packages (installed by scripts/setup); each is
/// reached only through one thin Swift wrapper in the WakeWord library.
let package = Package(
    name: "wakeword",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "WakeWord", targets: ["WakeWord"]),
        .executable(name: "wakeword", targets: ["wakeword"]),
        .executable(name: "wakeword-fuzz", targets: ["wakeword-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CSoxr", pkgConfig: "soxr", providers: [.apt(["libsoxr-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .target(
            name: "WakeWord",
            dependencies: ["CSndFile", "CSoxr", "CFFTW", "CBLAS"]
            // Release builds use plain -O: preconditions stay on in the binary and the tests
            // (detection speed against -Ounchecked: Benchmarks/RESULTS.md).
        ),
        .executableTarget(
            name: "wakeword",
            dependencies: ["WakeWord", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The README's library example, as written there (a test checks they match and runs it).
        .executableTarget(name: "readme-example", dependencies: ["WakeWord"]),
        // Parsers under libFuzzer (scripts/fuzz builds wakeword-fuzz with -sanitize=fuzzer -DFUZZING).
        .target(name: "FuzzHarness", dependencies: ["WakeWord"]),
        .executableTarget(name: "wakeword-fuzz", dependencies: ["FuzzHarness"]),
        // The tests also run the command-line tool as users do, so they depend on it being built.
        .testTarget(name: "WakeWordTests", dependencies: ["WakeWord", "wakeword", "readme-example", "FuzzHarness"], exclude: ["Golden"]),
    ]
)
