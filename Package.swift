// swift-tools-version: 6.0
import PackageDescription

// Layers (see ../shared/DESIGN.md): each target imports only the layers below it.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "skein",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "skein", targets: ["skein"]),
        .executable(name: "skein-emissary", targets: ["skein-emissary"]),
        .executable(name: "skein-bench", targets: ["skein-bench"]),
        .executable(name: "skein-sim", targets: ["skein-sim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // KubeSim only (test and dev targets; never linked into shipped binaries).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.10.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        // L0: C libraries from apt, and the one piece of C that must run between fork and exec.
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CSandbox"),
        .target(name: "SkeinJSON", swiftSettings: strict),
        .target(name: "WorkflowExpressions", dependencies: ["SkeinJSON", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: strict),

        // L1
        .target(name: "WorkflowModel", dependencies: ["CYAML", "SkeinJSON", "WorkflowExpressions"], swiftSettings: strict),

        .target(name: "KubeAPI", dependencies: ["SkeinJSON"], swiftSettings: strict),

        // L2
        .target(name: "WorkflowEngine", dependencies: ["WorkflowModel", "WorkflowExpressions"], swiftSettings: strict),
        .target(name: "Sandbox", dependencies: ["CSandbox"], swiftSettings: strict),
        .target(name: "Artifacts", dependencies: ["CCurl", "CZlib", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: strict),

        // L3
        // KubeClient reads kubeconfig files with WorkflowModel's YAML loader (libyaml).
        .target(name: "KubeClient",
                dependencies: ["KubeAPI", "SkeinJSON", "CCurl", "WorkflowModel", "Sandbox", .product(name: "Logging", package: "swift-log")],
                swiftSettings: strict),
        .target(name: "Executor", dependencies: ["WorkflowModel", "WorkflowEngine", "Artifacts", "KubeClient", "KubeAPI", "SkeinJSON"],
                swiftSettings: strict),

        // L4
        .target(name: "LocalRunner",
                dependencies: ["WorkflowEngine", "WorkflowModel", "WorkflowExpressions", "Sandbox", "Artifacts", "Executor"],
                swiftSettings: strict),

        .target(name: "Controller",
                dependencies: ["WorkflowEngine", "WorkflowModel", "WorkflowExpressions", "SkeinJSON", "KubeAPI", "KubeClient", "Artifacts",
                               .product(name: "Logging", package: "swift-log"),
                               .product(name: "Prometheus", package: "swift-prometheus"),
                               .product(name: "Hummingbird", package: "hummingbird")],
                swiftSettings: strict),

        // L5
        .target(name: "SkeinCommands",
                dependencies: ["LocalRunner", "Controller", "Executor", "KubeClient", "WorkflowEngine", "WorkflowModel", "Artifacts", "Sandbox",
                               "SkeinJSON", .product(name: "Logging", package: "swift-log"),
                               .product(name: "ArgumentParser", package: "swift-argument-parser")],
                swiftSettings: strict),
        // skein-emissary is a dependency so that `swift run skein` builds the emissary it runs steps with.
        .executableTarget(name: "skein", dependencies: ["SkeinCommands", "skein-emissary"], swiftSettings: strict),
        // Fully static, Glibc only: copied into every pod and run in any image.
        .executableTarget(name: "skein-emissary", swiftSettings: strict,
                          linkerSettings: [.unsafeFlags(["-static-executable", "-use-ld=lld"])]),
        .executableTarget(name: "skein-bench",
                          dependencies: ["WorkflowEngine", "WorkflowModel", "KubeClient", "KubeAPI", "KubeSim", "SkeinJSON", "Controller",
                                         "Artifacts", "SkeinTestSupport"],
                          swiftSettings: strict),

        // Fuzzing (scripts/fuzz.sh): the parsers as functions of bytes, and their libFuzzer driver.
        .target(name: "FuzzTargets", dependencies: ["WorkflowModel", "WorkflowExpressions", "KubeAPI", "KubeClient", "SkeinJSON"],
                swiftSettings: strict),
        .target(name: "CFuzz"),
        .executableTarget(name: "skein-fuzz", dependencies: ["FuzzTargets", "CFuzz"], swiftSettings: strict),

        // Test-only: a simulated Kubernetes API server and kubelet (see ../shared/DESIGN.md, Testing).
        .target(name: "KubeSim",
                dependencies: ["KubeAPI", "SkeinJSON", "Sandbox", "LocalRunner", "WorkflowModel",
                               .product(name: "Hummingbird", package: "hummingbird"),
                               .product(name: "HummingbirdTLS", package: "hummingbird"),
                               .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                               .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "NIOSSL", package: "swift-nio-ssl"),
                               .product(name: "X509", package: "swift-certificates"),
                               .product(name: "SwiftASN1", package: "swift-asn1"),
                               .product(name: "Logging", package: "swift-log"),
                               .product(name: "HTTPTypes", package: "swift-http-types"),
                               .product(name: "Crypto", package: "swift-crypto"),
                               .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
                swiftSettings: strict),
        .executableTarget(name: "skein-sim",
                          dependencies: ["KubeSim", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: strict),

        .target(name: "SkeinTestSupport",
                dependencies: ["WorkflowModel", "WorkflowEngine", "LocalRunner", "SkeinCommands", "KubeSim", "Sandbox"],
                swiftSettings: strict),

        .testTarget(name: "WorkflowExpressionsTests", dependencies: ["WorkflowExpressions", "SkeinJSON"], swiftSettings: strict),
        .testTarget(name: "WorkflowModelTests", dependencies: ["WorkflowModel", "SkeinTestSupport"], swiftSettings: strict),
        .testTarget(name: "WorkflowEngineTests",
                    dependencies: ["WorkflowEngine", "WorkflowModel", "SkeinTestSupport"], swiftSettings: strict),
        .testTarget(name: "KubeAPITests", dependencies: ["KubeAPI", "SkeinJSON"], swiftSettings: strict),
        .testTarget(name: "KubeClientTests", dependencies: ["KubeClient", "KubeAPI", "SkeinJSON", "KubeSim", "SkeinTestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "ControllerTests",
                    dependencies: ["Controller", "WorkflowEngine", "WorkflowModel", "SkeinJSON", "SkeinTestSupport", "KubeClient",
                                   "KubeAPI", "KubeSim", "Sandbox", "Artifacts", .product(name: "Logging", package: "swift-log")], exclude: ["Golden"],
                    swiftSettings: strict),
        .testTarget(name: "KubeSimTests",
                    dependencies: ["KubeSim", "KubeAPI", "SkeinJSON", "SkeinTestSupport", "Sandbox"], swiftSettings: strict),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox"], swiftSettings: strict),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzTargets", "SkeinTestSupport"], swiftSettings: strict),
        .testTarget(name: "ArtifactsTests", dependencies: ["Artifacts", "SkeinTestSupport", "Sandbox", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),
        .testTarget(name: "EmissaryTests", dependencies: ["SkeinTestSupport", "Executor", "WorkflowEngine", "SkeinJSON"], swiftSettings: strict),
        .testTarget(name: "LocalRunnerTests",
                    dependencies: ["LocalRunner", "WorkflowModel", "SkeinTestSupport"], swiftSettings: strict),
        .testTarget(name: "SkeinCommandsTests",
                    dependencies: ["SkeinCommands", "WorkflowModel", "SkeinTestSupport", "SkeinJSON", "Artifacts", "KubeSim",
                                   .product(name: "ArgumentParser", package: "swift-argument-parser")], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
