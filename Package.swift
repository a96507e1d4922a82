// swift-tools-version:6.0
//
// The target graph is the layering (see docs/architecture.md):
//   orchestrator-agent ──► AgentCore ──► AgentContracts, AgentStore, CAgentABI ──► AgentJSON
//   plugins ─────────────► AgentPluginKit ──► AgentContracts, CAgentABI ──► AgentJSON
// Plugins never import AgentCore or each other; they meet only through the C ABI registry.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// Plugin products export only the ABI entry symbols (see Plugins/plugin.map).
func pluginLinker() -> [LinkerSetting] {
    [.unsafeFlags(["-Xlinker", "--version-script=\(Context.packageDirectory)/Plugins/plugin.map"])]
}

let package = Package(
    name: "orchestrator-agent",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "orchestrator-agent", targets: ["orchestrator-agent"]),
        .executable(name: "agent-bench", targets: ["AgentBench"]),
        .executable(name: "vplc-bench", targets: ["VPLCBench"]),
        .library(name: "AgentPluginKit", targets: ["AgentPluginKit"]),
        // Example plugin in Swift. (The C example, Plugins/Examples/CCounter, is built with a plain C
        // compiler by its build.sh, to prove the ABI needs no Swift at all.)
        .library(name: "agent-example-swift", type: .dynamic, targets: ["ExampleSwiftPlugin"]),
        // First-party plugins.
        .library(name: "agent-transport-mtls", type: .dynamic, targets: ["MTLSTransport"]),
        .library(name: "agent-host-topics", type: .dynamic, targets: ["HostTopics"]),
        .library(name: "agent-docker", type: .dynamic, targets: ["DockerDriver"]),
        .library(name: "agent-runtime", type: .dynamic, targets: ["RuntimeTopics"]),
        .library(name: "agent-netmon", type: .dynamic, targets: ["NetmonListener"]),
        // The privileged network-monitor sidecar (host network + host PID), a separate process.
        .executable(name: "autonomy-netmon", targets: ["autonomy-netmon"]),
        // Deliberately broken plugins used by the loader tests.
        .library(name: "agent-fixture-bad-magic", type: .dynamic, targets: ["FixtureBadMagic"]),
        .library(name: "agent-fixture-abi-major2", type: .dynamic, targets: ["FixtureABIMajor2"]),
        .library(name: "agent-fixture-abi-minor-newer", type: .dynamic, targets: ["FixtureABIMinorNewer"]),
        .library(name: "agent-fixture-no-entry", type: .dynamic, targets: ["FixtureNoEntry"]),
        .library(name: "agent-fixture-init-fails", type: .dynamic, targets: ["FixtureInitFails"]),
        .library(name: "agent-fixture-toolchain", type: .dynamic, targets: ["FixtureToolchain"]),
        .library(name: "agent-fixture-duplicate", type: .dynamic, targets: ["FixtureDuplicate"]),
        .library(name: "agent-fixture-slow", type: .dynamic, targets: ["FixtureSlow"]),
        // Test tool: writes the durable store in a loop until SIGKILLed (crash-safety test).
        .executable(name: "store-crash-writer", targets: ["StoreCrashWriter"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    ],
    targets: [
        // MARK: the contract between core and plugins
        .target(name: "CAgentABI", path: "Sources/CAgentABI"),

        // MARK: pure libraries shared by value (no type crosses the ABI)
        .target(
            name: "AgentJSON", path: "Sources/AgentJSON", swiftSettings: swiftSettings,
            linkerSettings: [.linkedLibrary("m")]  // rounded() needs libm when Foundation is absent
        ),
        // Injected time: the clock protocol, the system and manual clocks, the deadline scheduler.
        .target(name: "AgentClock", path: "Sources/AgentClock", swiftSettings: swiftSettings),
        .target(name: "AgentContracts", dependencies: ["AgentJSON"], path: "Sources/AgentContracts", swiftSettings: swiftSettings),
        .target(name: "AgentStore", dependencies: ["AgentJSON"], path: "Sources/AgentStore", swiftSettings: swiftSettings),

        // MARK: the plugin SDK
        .target(
            name: "AgentPluginKit",
            dependencies: ["CAgentABI", "AgentContracts", "AgentJSON", .product(name: "Logging", package: "swift-log")],
            path: "Sources/AgentPluginKit",
            swiftSettings: swiftSettings
        ),

        // MARK: the host
        .target(
            name: "AgentCore",
            dependencies: [
                "CAgentABI", "AgentClock", "AgentJSON", "AgentContracts", "AgentStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                // The local door and the metrics endpoint (ServerEventLoops).
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/AgentCore",
            swiftSettings: swiftSettings
        ),
        // Operator diagnostics (`orchestrator-agent check`): certificates, sockets, pins, store.
        .target(
            name: "AgentCheck",
            dependencies: [
                "AgentCore", "AgentJSON", "AgentStore",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/AgentCheck",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "orchestrator-agent",
            dependencies: [
                "AgentCore", "AgentJSON", "AgentCheck",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Sources/orchestrator-agent",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BenchSupport",
            path: "Sources/BenchSupport",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "AgentBench",
            dependencies: ["AgentCore", "BenchSupport", .product(name: "Logging", package: "swift-log")],
            path: "Sources/AgentBench",
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "VPLCBench",
            dependencies: ["AgentCore", "AgentJSON", "BenchSupport", .product(name: "Logging", package: "swift-log")],
            path: "Sources/VPLCBench",
            swiftSettings: swiftSettings
        ),

        // MARK: plugins (each a separate shared library)
        .target(
            name: "ExampleSwiftPlugin",
            dependencies: ["AgentPluginKit", "AgentContracts", "AgentJSON", .product(name: "Logging", package: "swift-log")],
            path: "Plugins/Examples/SwiftGreeter",
            swiftSettings: swiftSettings,
            linkerSettings: pluginLinker()
        ),

        // The cloud link: Socket.IO/Engine.IO framing, reconnect policy, outbound queue (pure,
        // unit-tested) and the mTLS WebSocket transport plugin on top of it.
        .target(
            name: "SocketIOCore", dependencies: ["AgentJSON", "AgentClock"], path: "Plugins/MTLSTransport/Core",
            swiftSettings: swiftSettings),
        .target(
            name: "MTLSTransport",
            dependencies: [
                "AgentPluginKit", "AgentClock", "AgentJSON", "SocketIOCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/MTLSTransport/Plugin",
            swiftSettings: swiftSettings,
            linkerSettings: pluginLinker()
        ),
        // Host topics: the heartbeat emitter (and later host commands); metrics are a pure target.
        .target(name: "HostMetrics", dependencies: ["AgentContracts"], path: "Plugins/Shared/HostMetrics", swiftSettings: swiftSettings),
        .target(
            name: "HostTopics",
            dependencies: ["AgentPluginKit", "AgentClock", "AgentJSON", "AgentContracts", "HostMetrics", .product(name: "Logging", package: "swift-log")],
            path: "Plugins/HostTopics/Plugin",
            swiftSettings: swiftSettings,
            linkerSettings: pluginLinker()
        ),

        // A small HTTP/1.1 client on NIO (unix socket or TCP, TLS injected by the user), shared by
        // value: the Docker driver and the vPLC plugin each link their own copy.
        .target(
            name: "HTTP1Client",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Plugins/Shared/HTTP1Client",
            swiftSettings: swiftSettings
        ),
        // The Docker Engine API client (typed operations, version negotiation, decoders) and the
        // `agent.container_driver` plugin on top of it.
        .target(
            name: "DockerEngine", dependencies: ["HTTP1Client", "AgentJSON"], path: "Plugins/DockerDriver/Engine",
            swiftSettings: swiftSettings),
        .target(
            name: "DockerDriver",
            dependencies: ["AgentPluginKit", "AgentJSON", "DockerEngine", .product(name: "Logging", package: "swift-log")],
            path: "Plugins/DockerDriver/Plugin",
            swiftSettings: swiftSettings,
            linkerSettings: pluginLinker()
        ),
        // vPLCs: the pure model (planning, naming, journal, policies) and the topic plugin.
        .target(
            name: "RuntimeModel", dependencies: ["AgentJSON", "AgentContracts", "HostMetrics"], path: "Plugins/Runtime/Model",
            swiftSettings: swiftSettings),
        .target(
            name: "RuntimeTopics",
            dependencies: [
                "AgentPluginKit", "AgentClock", "AgentJSON", "AgentContracts", "RuntimeModel", "HostMetrics", "HTTP1Client",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/Runtime/Plugin",
            swiftSettings: swiftSettings,
            linkerSettings: pluginLinker()
        ),

        // The netmon socket protocol (names, line framing, the virtual-interface list), shared by
        // value by the sidecar and the listener plugin.
        .target(
            name: "NetmonProtocol", dependencies: ["AgentJSON"], path: "Plugins/Shared/NetmonProtocol",
            swiftSettings: swiftSettings),
        // The listener: the pure interface cache and the `agent.netmon` plugin on top of it.
        .target(
            name: "NetmonCache", dependencies: ["AgentJSON", "AgentContracts", "NetmonProtocol"], path: "Plugins/Netmon/Model",
            swiftSettings: swiftSettings),
        .target(
            name: "NetmonListener",
            dependencies: [
                "AgentPluginKit", "AgentJSON", "AgentContracts", "NetmonProtocol", "NetmonCache",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/Netmon/Plugin",
            swiftSettings: swiftSettings,
            linkerSettings: pluginLinker()
        ),

        // MARK: the netmon sidecar (its own executable; no NIO, no Foundation: small and lean)
        .target(name: "CNetlink", path: "Sources/Netmon/CNetlink"),
        .target(
            name: "NetmonCore", dependencies: ["AgentJSON", "NetmonProtocol"], path: "Sources/Netmon/Core",
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "autonomy-netmon",
            dependencies: ["NetmonCore", "NetmonProtocol", "CNetlink", "AgentJSON"],
            path: "Sources/Netmon/Daemon",
            swiftSettings: swiftSettings
        ),

        // MARK: broken fixture plugins (C, header only + a shared fixture macro)
        .target(name: "FixtureKit", dependencies: ["CAgentABI"], path: "Tests/Fixtures/FixtureKit"),
        .target(name: "FixtureBadMagic", dependencies: ["FixtureKit"], path: "Tests/Fixtures/BadMagic"),
        .target(name: "FixtureABIMajor2", dependencies: ["FixtureKit"], path: "Tests/Fixtures/ABIMajor2"),
        .target(name: "FixtureABIMinorNewer", dependencies: ["FixtureKit"], path: "Tests/Fixtures/ABIMinorNewer"),
        .target(name: "FixtureNoEntry", dependencies: ["FixtureKit"], path: "Tests/Fixtures/NoEntry"),
        .target(name: "FixtureInitFails", dependencies: ["FixtureKit"], path: "Tests/Fixtures/InitFails"),
        .target(name: "FixtureToolchain", dependencies: ["FixtureKit"], path: "Tests/Fixtures/Toolchain"),
        .target(name: "FixtureDuplicate", dependencies: ["FixtureKit"], path: "Tests/Fixtures/Duplicate"),
        .target(name: "FixtureSlow", dependencies: ["FixtureKit"], path: "Tests/Fixtures/Slow"),

        .executableTarget(
            name: "StoreCrashWriter",
            dependencies: ["AgentStore", "AgentJSON"],
            path: "Tests/Tools/StoreCrashWriter",
            swiftSettings: swiftSettings
        ),

        // MARK: tests
        // Test support shared by the lab tests: the Docker lab (scripts/lab/docker-lab) as a
        // per-process fixture, torn down at exit.
        .target(name: "LabSupport", dependencies: ["AgentJSON", "HTTP1Client"], path: "Tests/LabSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "AgentContractsTests",
            dependencies: ["AgentContracts", "AgentJSON"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AgentStoreTests",
            dependencies: ["AgentStore", "AgentJSON", "LabSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AgentClockTests",
            dependencies: ["AgentClock"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SocketIOCoreTests",
            dependencies: ["SocketIOCore", "AgentClock", "AgentJSON"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HostMetricsTests",
            dependencies: ["HostMetrics"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DockerEngineTests",
            dependencies: ["DockerEngine", "HTTP1Client", "AgentJSON", "LabSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RuntimeModelTests",
            dependencies: ["RuntimeModel", "HostMetrics", "AgentJSON"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NetmonTests",
            dependencies: ["NetmonCore", "NetmonProtocol", "AgentJSON", "AgentClock", "LabSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NetmonListenerTests",
            dependencies: ["NetmonCache", "NetmonProtocol", "AgentJSON"],
            swiftSettings: swiftSettings
        ),
        // Packaging, installer, check and self-upgrade: the shipped layout, install.sh against a fake
        // enrollment server, the diagnosis, and an upgrade between two lab-built agent images.
        .testTarget(
            name: "OpsTests",
            dependencies: ["AgentJSON", "LabSupport"],
            swiftSettings: swiftSettings
        ),
        // Fuzzing (docs/fuzzing.md): the fuzz target functions, shared by the bounded seeded run
        // (FuzzTests) and the libFuzzer driver that scripts/fuzz builds with coverage. Test-only:
        // nothing in the product imports them.
        .target(
            name: "FuzzTargets",
            dependencies: [
                "AgentJSON", "AgentContracts", "SocketIOCore", "NetmonProtocol", "NetmonCache", "NetmonCore",
                "DockerEngine", "AgentCore", "RuntimeModel", "HostMetrics",
            ],
            path: "Tests/Fuzz/Targets",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FuzzDriver", dependencies: ["FuzzTargets"], path: "Tests/Fuzz/Driver", swiftSettings: swiftSettings),
        .testTarget(
            name: "FuzzTests",
            dependencies: ["FuzzTargets", "AgentJSON", "SocketIOCore", "NetmonCore", "LabSupport"],
            exclude: ["Corpus", "Regressions"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AgentCoreTests",
            dependencies: ["AgentCore", "AgentClock", "AgentJSON", "AgentContracts", "AgentStore", "CAgentABI", "LabSupport", "HTTP1Client"],
            swiftSettings: swiftSettings
        ),
    ]
)
