// swift-tools-version:6.0
//
// The one shared library of the agent's process (`libAgentShared.so`): the plugin SDK's modules and
// every outside library more than one image of the process uses — swift-log, swift-nio,
// swift-nio-ssl (BoringSSL), swift-nio-extras, swift-service-lifecycle, swift-metrics and
// swift-prometheus. The agent and its first-party plugins depend on this product instead of on
// those libraries, so the process maps one copy of each, runs one NIO singleton event loop group
// and one logging system (docs/architecture.md, "One copy of each library").
//
// Everything that links it must reach those modules only through it: a target that also depends
// on one of them directly (`.product(name: "NIOCore", …)`, `sdk("AgentJSON")`) gets a second,
// static copy. Tests/AgentCoreTests/SharedLibraryTests.swift checks the built images.
import PackageDescription

let package = Package(
    name: "AgentShared",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "AgentShared", type: .dynamic, targets: ["AgentShared"]),
    ],
    dependencies: [
        .package(path: "../AgentPluginSDK"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .target(
            name: "AgentShared",
            dependencies: [
                .product(name: "CAgentABI", package: "AgentPluginSDK"),
                .product(name: "AgentJSON", package: "AgentPluginSDK"),
                .product(name: "AgentContracts", package: "AgentPluginSDK"),
                .product(name: "AgentClock", package: "AgentPluginSDK"),
                .product(name: "AgentStore", package: "AgentPluginSDK"),
                .product(name: "AgentPluginKit", package: "AgentPluginSDK"),
                // The test kit rides along so that one test bundle holds the agent's and the
                // plugins' suites with one copy of the SDK (see docs/architecture.md).
                .product(name: "AgentPluginTestKit", package: "AgentPluginSDK"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "AgentShared"
        ),
    ]
)
