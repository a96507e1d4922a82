// swift-tools-version:6.0
//
// The orchestrator agent's plugin SDK: everything a plugin (first-party or third-party) builds
// against, and nothing else — the C ABI, the Swift SDK, its value types, the test kit — with one
// outside dependency, swift-log. The agent's own package depends on this one by path, so the
// agent and its first-party plugins build against the very SDK third parties get
// (docs/plugins.md, "A plugin in its own package").
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "AgentPluginSDK",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CAgentABI", targets: ["CAgentABI"]),
        .library(name: "AgentJSON", targets: ["AgentJSON"]),
        .library(name: "AgentContracts", targets: ["AgentContracts"]),
        .library(name: "AgentClock", targets: ["AgentClock"]),
        .library(name: "AgentStore", targets: ["AgentStore"]),
        .library(name: "AgentPluginKit", targets: ["AgentPluginKit"]),
        .library(name: "AgentPluginTestKit", targets: ["AgentPluginTestKit"]),
        // Depend on it from a plugin's library target: the library then exports only its entry point.
        .library(name: "AgentPluginExports", targets: ["AgentPluginExports"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // The contract between the agent and its plugins (C11, header-only) and the optional C helpers.
        .target(name: "CAgentABI", path: "CAgentABI"),
        // Pure libraries shared by value (no type crosses the ABI, only JSON bytes).
        .target(
            name: "AgentJSON", path: "AgentJSON", swiftSettings: swiftSettings,
            linkerSettings: [.linkedLibrary("m")]  // rounded() needs libm when Foundation is absent
        ),
        .target(name: "AgentContracts", dependencies: ["AgentJSON"], path: "AgentContracts", swiftSettings: swiftSettings),
        // Injected time: the clock protocol, the system and manual clocks, the deadline scheduler.
        .target(name: "AgentClock", path: "AgentClock", swiftSettings: swiftSettings),
        // The durable store behind the host API (the agent's, and the test kit's).
        .target(name: "AgentStore", dependencies: ["AgentJSON"], path: "AgentStore", swiftSettings: swiftSettings),
        // The Swift SDK: a plugin is an ordinary Swift type.
        .target(
            name: "AgentPluginKit",
            dependencies: ["CAgentABI", "AgentContracts", "AgentJSON", .product(name: "Logging", package: "swift-log")],
            path: "AgentPluginKit",
            swiftSettings: swiftSettings
        ),
        // The host double plugin tests run against (docs/plugins.md, "Testing a plugin").
        .target(
            name: "AgentPluginTestKit",
            dependencies: [
                "AgentPluginKit", "CAgentABI", "AgentContracts", "AgentJSON", "AgentStore",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "AgentPluginTestKit",
            swiftSettings: swiftSettings
        ),
        // The linker export list (plugin.map, found here by the SDK itself).
        .target(
            name: "AgentPluginExports",
            path: "AgentPluginExports",
            linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=\(Context.packageDirectory)/plugin.map"])]
        ),
    ]
)
