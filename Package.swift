// swift-tools-version:6.0
//
// The target graph is the layering (see docs/architecture.md):
//   orchestrator-agent ──► AgentCore ──► AgentContracts, AgentStore, CAgentABI ──► AgentJSON
//   plugins ─────────────► AgentPluginKit ──► AgentContracts, CAgentABI ──► AgentJSON
// Plugins never import AgentCore or each other; they meet only through the C ABI registry.
// Everything a plugin builds against is the plugin SDK, a package of its own
// (Sources/AgentPluginSDK), used here by path as third parties use it; in the agent's own process
// the SDK and the outside libraries several images share are linked once, into the shared library
// of Sources/AgentShared (`shared` below).
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// A product of the plugin SDK (Sources/AgentPluginSDK).
func sdk(_ product: String) -> Target.Dependency { .product(name: product, package: "AgentPluginSDK") }

/// The process's one shared library (Sources/AgentShared): the SDK's modules, swift-log, swift-nio,
/// swift-nio-ssl, swift-nio-extras, swift-service-lifecycle, swift-metrics and swift-prometheus,
/// once. Every target of the agent's process reaches those modules through it and never directly
/// (a direct dependency would link a second, static copy: docs/architecture.md, "One copy of each
/// library").
let shared: Target.Dependency = .product(name: "AgentShared", package: "AgentShared")

/// The netmon sidecar is linked statically (`--static-swift-stdlib`, no Swift libraries in its
/// image), so it cannot use the shared library: `scripts/package-layout --netmon` sets
/// AGENT_STATIC_SIDECAR=1 and the sidecar's targets then take the SDK's modules statically. In
/// every other build they use the shared library like the rest, so the one test bundle holds one
/// copy of each module.
let staticSidecar = Context.environment["AGENT_STATIC_SIDECAR"] == "1"
let sidecarSDK: [Target.Dependency] = staticSidecar ? [sdk("AgentJSON"), sdk("AgentStore")] : [shared]

let package = Package(
    name: "orchestrator-agent",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "orchestrator-agent", targets: ["orchestrator-agent"]),
        .executable(name: "agent-bench", targets: ["AgentBench"]),
        .executable(name: "vplc-bench", targets: ["VPLCBench"]),
        // Example plugin in Swift. (The C example, Plugins/Examples/CCounter, is built with a plain C
        // compiler by its build.sh, to prove the ABI needs no Swift at all.)
        .library(name: "agent-example-swift", type: .dynamic, targets: ["ExampleSwiftEntry"]),
        // First-party plugins.
        .library(name: "agent-transport-mtls", type: .dynamic, targets: ["MTLSTransportEntry"]),
        .library(name: "agent-host-topics", type: .dynamic, targets: ["HostTopicsEntry"]),
        .library(name: "agent-docker", type: .dynamic, targets: ["DockerDriver"]),
        .library(name: "agent-podman", type: .dynamic, targets: ["PodmanDriver"]),
        .library(name: "agent-runtime", type: .dynamic, targets: ["RuntimeEntry"]),
        .library(name: "agent-netmon", type: .dynamic, targets: ["NetmonEntry"]),
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
        // The plugin SDK (C ABI, AgentPluginKit, test kit, the value types), a package of its own so
        // that third-party plugins depend on it alone; the agent builds against the same one.
        .package(path: "Sources/AgentPluginSDK"),
        // The one shared library of the process: the SDK's modules and swift-log, swift-nio,
        // swift-nio-ssl, swift-nio-extras, swift-service-lifecycle, swift-metrics, swift-prometheus.
        .package(path: "Sources/AgentShared"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    ],
    targets: [



        // MARK: the host
        .target(
            name: "AgentCore",
            dependencies: [
                // The audit trail's hash chain; the rest (swift-log, swift-nio for the local door and the
                // metrics endpoint, swift-service-lifecycle, swift-metrics, swift-prometheus, the
                // SDK's modules) comes from the shared library.
                shared, "CResidentTrim",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/AgentCore",
            swiftSettings: swiftSettings
        ),
        // Operator diagnostics (`orchestrator-agent check`): certificates, sockets, pins, store.
        .target(
            name: "AgentCheck",
            dependencies: [
                "AgentCore", shared,
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            path: "Sources/AgentCheck",
            swiftSettings: swiftSettings
        ),
        // `orchestrator-agent enroll`: the device key, the CSR, the enrollment API over HTTPS, the
        // returned certificate checked with AgentCheck's certificate code, the files installed.
        .target(
            name: "AgentEnroll",
            dependencies: [
                "AgentCheck", shared,
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            path: "Sources/AgentEnroll",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "orchestrator-agent",
            dependencies: [
                "AgentCore", shared, "AgentCheck", "AgentEnroll",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
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
            dependencies: ["AgentCore", "BenchSupport", shared],
            path: "Sources/AgentBench",
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "VPLCBench",
            dependencies: ["AgentCore", shared, "BenchSupport"],
            path: "Sources/VPLCBench",
            swiftSettings: swiftSettings
        ),

        // MARK: plugins (each a separate shared library)
        .target(
            name: "ExampleSwiftPlugin",
            dependencies: [shared],
            path: "Plugins/Examples/SwiftGreeter/Plugin",
            swiftSettings: swiftSettings
        ),

        // The cloud link: Socket.IO/Engine.IO framing, reconnect policy, outbound queue (pure,
        // unit-tested) and the mTLS WebSocket transport plugin on top of it.
        .target(
            name: "SocketIOCore", dependencies: [shared], path: "Plugins/MTLSTransport/Core",
            swiftSettings: swiftSettings),
        .target(
            name: "MTLSTransport",
            dependencies: [shared, "SocketIOCore"],
            path: "Plugins/MTLSTransport/Plugin",
            swiftSettings: swiftSettings
        ),
        // Host topics: the heartbeat emitter (and later host commands); metrics are a pure target.
        .target(name: "HostMetrics", dependencies: [shared], path: "Plugins/Shared/HostMetrics", swiftSettings: swiftSettings),
        .target(
            name: "HostTopics",
            dependencies: [shared, "HostMetrics"],
            path: "Plugins/HostTopics/Plugin",
            swiftSettings: swiftSettings
        ),

        // A small HTTP/1.1 client on NIO (unix socket or TCP, TLS injected by the user), shared by
        // value: the Docker driver and the vPLC plugin each link their own copy.
        .target(
            name: "HTTP1Client",
            dependencies: [shared],
            path: "Plugins/Shared/HTTP1Client",
            swiftSettings: swiftSettings
        ),
        // The Docker Engine API client (typed operations, version negotiation, decoders) and the
        // `agent.container_driver` plugin on top of it.
        // Device nodes bind-mounted into a container's mount namespace (container.device_node).
        // Device nodes in a container's mount namespace (bind mounts): the netmon sidecar's
        // bind_device_node and the Docker driver's container.device_node.
        .target(name: "CDeviceNode", path: "Plugins/Shared/CDeviceNode"),
        // What every container driver shares: parameter reading, deadlines, URL encoding, the
        // protocol's create specs, the callback gate of subscriptions, cgroup stats, file streaming.
        .target(
            name: "ContainerEngineSupport", dependencies: ["HTTP1Client", shared], path: "Plugins/Shared/ContainerEngineSupport",
            swiftSettings: swiftSettings),
        .target(
            name: "DockerEngine", dependencies: ["HTTP1Client", "CDeviceNode", "ContainerEngineSupport", shared],
            path: "Plugins/DockerDriver/Engine", swiftSettings: swiftSettings),
        .target(
            name: "DockerDriver",
            dependencies: [shared, sdk("AgentPluginExports"), "DockerEngine", "ContainerEngineSupport"],
            path: "Plugins/DockerDriver/Plugin",
            swiftSettings: swiftSettings
        ),
        // The Podman libpod API client and the `agent.container_driver` plugin on top of it
        // (docs/container-driver.md, "Podman").
        .target(
            name: "PodmanEngine", dependencies: ["HTTP1Client", "ContainerEngineSupport", shared],
            path: "Plugins/PodmanDriver/Engine", swiftSettings: swiftSettings),
        .target(
            name: "PodmanDriver",
            dependencies: [shared, sdk("AgentPluginExports"), "PodmanEngine", "ContainerEngineSupport"],
            path: "Plugins/PodmanDriver/Plugin",
            swiftSettings: swiftSettings
        ),
        // vPLCs: the pure model (planning, naming, journal, policies) and the topic plugin.
        .target(
            name: "RuntimeModel", dependencies: [shared, "HostMetrics"], path: "Plugins/Runtime/Model",
            swiftSettings: swiftSettings),
        .target(
            name: "RuntimeTopics",
            dependencies: [shared, "RuntimeModel", "HostMetrics", "HTTP1Client"],
            path: "Plugins/Runtime/Plugin",
            swiftSettings: swiftSettings
        ),

        // The netmon socket protocol (names, line framing, the virtual-interface list), shared by
        // value by the sidecar and the listener plugin.
        .target(
            name: "NetmonProtocol", path: "Plugins/Shared/NetmonProtocol",
            swiftSettings: swiftSettings),
        // The listener: the pure interface cache and the `agent.netmon` plugin on top of it.
        .target(
            name: "NetmonCache", dependencies: [shared, "NetmonProtocol"], path: "Plugins/Netmon/Model",
            swiftSettings: swiftSettings),
        .target(
            name: "NetmonListener",
            dependencies: [shared, "NetmonProtocol", "NetmonCache"],
            path: "Plugins/Netmon/Plugin",
            swiftSettings: swiftSettings
        ),

        // MARK: plugin entry points
        // Each plugin library's one exported symbol (`agent_plugin_entry_v1`) sits in a target of
        // its own, so test bundles can link several plugins' code at once.
        .target(name: "ExampleSwiftEntry", dependencies: [shared, sdk("AgentPluginExports"), "ExampleSwiftPlugin"], path: "Plugins/Examples/SwiftGreeter/Entry", swiftSettings: swiftSettings),
        .target(name: "MTLSTransportEntry", dependencies: [shared, sdk("AgentPluginExports"), "MTLSTransport"], path: "Plugins/MTLSTransport/Entry", swiftSettings: swiftSettings),
        .target(name: "HostTopicsEntry", dependencies: [shared, sdk("AgentPluginExports"), "HostTopics"], path: "Plugins/HostTopics/Entry", swiftSettings: swiftSettings),
        .target(name: "RuntimeEntry", dependencies: [shared, sdk("AgentPluginExports"), "RuntimeTopics"], path: "Plugins/Runtime/Entry", swiftSettings: swiftSettings),
        .target(name: "NetmonEntry", dependencies: [shared, sdk("AgentPluginExports"), "NetmonListener"], path: "Plugins/Netmon/Entry", swiftSettings: swiftSettings),

        // MARK: the netmon sidecar (its own executable; no NIO, no Foundation: small and lean)
        .target(name: "CNetlink", path: "Sources/Netmon/CNetlink"),
        // Drops the page-table entries of start-up's code pages (the agent and the sidecar, once settled).
        .target(name: "CResidentTrim", path: "Plugins/Shared/CResidentTrim"),
        .target(
            name: "NetmonCore", dependencies: sidecarSDK + ["NetmonProtocol"], path: "Sources/Netmon/Core",
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "autonomy-netmon",
            dependencies: ["NetmonCore", "NetmonProtocol", "CNetlink", "CDeviceNode", "CResidentTrim"] + sidecarSDK,
            path: "Sources/Netmon/Daemon",
            swiftSettings: swiftSettings
        ),

        // MARK: broken fixture plugins (C, header only + a shared fixture macro)
        .target(name: "FixtureKit", dependencies: [sdk("CAgentABI")], path: "Tests/Fixtures/FixtureKit"),
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
            dependencies: [shared],
            path: "Tests/Tools/StoreCrashWriter",
            swiftSettings: swiftSettings
        ),

        // MARK: tests
        // Test support shared by the lab tests: the Docker lab (scripts/lab/docker-lab) as a
        // per-process fixture, torn down at exit.
        .target(name: "LabSupport", dependencies: [shared, "HTTP1Client", "ContainerEngineSupport"], path: "Tests/LabSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "AgentContractsTests",
            dependencies: [shared],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AgentStoreTests",
            dependencies: [shared, "LabSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AgentClockTests",
            dependencies: [shared],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SocketIOCoreTests",
            dependencies: ["SocketIOCore", shared, "LabSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HostMetricsTests",
            dependencies: ["HostMetrics"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DockerEngineTests",
            dependencies: ["DockerEngine", "ContainerEngineSupport", "HTTP1Client", shared, "LabSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PodmanEngineTests",
            dependencies: ["PodmanEngine", "ContainerEngineSupport", "HTTP1Client", shared, "LabSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RuntimeModelTests",
            dependencies: ["RuntimeModel", "HostMetrics", shared],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NetmonTests",
            dependencies: ["NetmonCore", "NetmonProtocol", shared, "LabSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NetmonListenerTests",
            dependencies: ["NetmonCache", "NetmonProtocol", shared],
            swiftSettings: swiftSettings
        ),
        // Packaging, installer, check and self-upgrade: the shipped layout, install.sh against a fake
        // enrollment server, the diagnosis, and an upgrade between two lab-built agent images.
        .testTarget(
            name: "OpsTests",
            dependencies: [shared, "LabSupport"],
            swiftSettings: swiftSettings
        ),
        // Fuzzing (docs/fuzzing.md): the fuzz target functions, shared by the bounded seeded run
        // (FuzzTests) and the libFuzzer driver that scripts/fuzz builds with coverage. Test-only:
        // nothing in the product imports them.
        .target(
            name: "FuzzTargets",
            dependencies: [
                shared, "SocketIOCore", "NetmonProtocol", "NetmonCache", "NetmonCore",
                "DockerEngine", "AgentCore", "RuntimeModel", "HostMetrics",
            ],
            path: "Tests/Fuzz/Targets",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FuzzDriver", dependencies: ["FuzzTargets"], path: "Tests/Fuzz/Driver", swiftSettings: swiftSettings),
        .testTarget(
            name: "FuzzTests",
            dependencies: ["FuzzTargets", shared, "SocketIOCore", "NetmonCore", "LabSupport"],
            exclude: ["Corpus", "Regressions",
        ],
            swiftSettings: swiftSettings
        ),
        // Plugins tested without the agent, on the test kit (no root, no Docker, no network).
        .testTarget(
            name: "PluginTests",
            dependencies: [
                shared, "LabSupport",
                "ExampleSwiftPlugin", "RuntimeTopics", "RuntimeModel", "NetmonListener", "NetmonProtocol", "HostTopics", "MTLSTransport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AgentCoreTests",
            dependencies: ["AgentCore", shared, "LabSupport", "HTTP1Client"],
            swiftSettings: swiftSettings
        ),
    ]
)
