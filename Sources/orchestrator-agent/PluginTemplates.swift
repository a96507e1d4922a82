/// The files of a new plugin package (`orchestrator-agent plugin new`), as text with
/// placeholders: `{{NAME}}` (package and library name), `{{MODULE}}` (Swift module),
/// `{{ID}}` (plugin id), `{{TOPIC}}` (its one topic), `{{SDK}}` (the SDK package's path),
/// `{{INCLUDE}}` (the folder holding agent_plugin.h).
enum PluginTemplates {
    /// A Swift plugin: a package with the plugin, a test on the test kit, a README.
    static let swift: [(path: String, text: String)] = [
        ("Package.swift", swiftManifest), ("Sources/{{MODULE}}/{{MODULE}}Plugin.swift", swiftPlugin),
        ("Tests/{{MODULE}}Tests/{{MODULE}}Tests.swift", swiftTests), ("README.md", swiftReadme), (".gitignore", ".build/\nPackage.resolved\n"),
    ]

    /// A C plugin: one source file, a build script, a README.
    static let c: [(path: String, text: String)] = [
        ("plugin.c", cPlugin), ("build.sh", cBuild), ("README.md", cReadme),
    ]

    static let swiftManifest = """
        // swift-tools-version:6.0
        import PackageDescription

        let package = Package(
            name: "{{NAME}}",
            products: [
                // The plugin: a shared library the agent loads (pin it, then list it in plugins.load).
                .library(name: "{{NAME}}", type: .dynamic, targets: ["{{MODULE}}"]),
            ],
            dependencies: [
                // The agent's plugin SDK (the C ABI, AgentPluginKit, the test kit; it needs only swift-log).
                .package(path: "{{SDK}}"),
            ],
            targets: [
                .target(
                    name: "{{MODULE}}",
                    dependencies: [
                        .product(name: "AgentPluginKit", package: "AgentPluginSDK"),
                        // Exports only agent_plugin_entry_v1 from the library (the SDK's linker export list).
                        .product(name: "AgentPluginExports", package: "AgentPluginSDK"),
                    ]),
                .testTarget(
                    name: "{{MODULE}}Tests",
                    dependencies: ["{{MODULE}}", .product(name: "AgentPluginTestKit", package: "AgentPluginSDK")]),
            ]
        )

        """

    static let swiftPlugin = """
        import AgentContracts
        import AgentJSON
        import AgentPluginKit

        /// `{{ID}}`: answers `{{TOPIC}}` `{name: non-empty string}` with a greeting and how many
        /// times that name was greeted (kept in the agent's durable store).
        public struct {{MODULE}}Plugin: AgentPlugin {
            public static let id = "{{ID}}"
            public static let version = "0.1.0"

            let host: PluginHost

            public init(host: PluginHost, config: JSONObject) throws {
                self.host = host
            }

            public var topics: [Topic] {
                [
                    Topic("{{TOPIC}}", contract: ["name": .nonEmptyString]) { [host] request in
                        let name = request.message["name"]?.stringValue ?? ""
                        guard name.count <= 64 else {
                            throw PluginError(code: "name_too_long", message: "name has more than 64 characters", field: "name")
                        }
                        let count = try host.storeUpdate("greeted/\\(name)") { old in .number((old?.numberValue ?? 0) + 1) }
                        return ["status": "ok", "greeting": .string("Hello, \\(name)!"), "count": count]
                    }
                ]
            }
        }

        /// The library's one exported symbol.
        @_cdecl("agent_plugin_entry_v1")
        public func agentPluginEntryV1(_ hostMajor: UInt32, _ hostMinor: UInt32) -> UnsafeRawPointer {
            PluginExport.descriptor(for: {{MODULE}}Plugin.self)
        }

        """

    static let swiftTests = """
        import AgentJSON
        import AgentPluginTestKit
        import Testing
        import {{MODULE}}

        @Suite struct {{MODULE}}Tests {
            @Test func greetsAndCounts() async throws {
                try await TestHost.with { host in
                    try host.load({{MODULE}}Plugin.self)
                    let first = await host.call("{{TOPIC}}", ["name": "Ada", "correlation_id": 1])
                    #expect(first["greeting"] == "Hello, Ada!")
                    #expect(first["correlation_id"] == 1)
                    #expect(await host.call("{{TOPIC}}", ["name": "Ada"])["count"] == 2)
                }
            }

            @Test func refusesBadInput() async throws {
                try await TestHost.with { host in
                    try host.load({{MODULE}}Plugin.self)
                    #expect(await host.call("{{TOPIC}}", [:])["code"] == "missing_field")
                    let long = await host.call("{{TOPIC}}", ["name": .string(String(repeating: "x", count: 65))])
                    #expect(long["code"] == "name_too_long")
                    #expect(long["field"] == "name")
                }
            }
        }

        """

    static let swiftReadme = """
        # {{NAME}}

        An orchestrator-agent plugin (`{{ID}}`) with one topic, `{{TOPIC}}`.

        ```bash
        swift test                                   # the tests, on the SDK's test kit: no agent needed
        swift build -c release                       # .build/release/lib{{NAME}}.so
        orchestrator-agent --version --verbose       # build with exactly the toolchain it names
        install -m 0755 -o root .build/release/lib{{NAME}}.so /usr/lib/orchestrator-agent/plugins/
        orchestrator-agent plugins pin /usr/lib/orchestrator-agent/plugins/lib{{NAME}}.so   # → plugins.load
        orchestrator-agent plugins list --config /etc/orchestrator-agent/site.json
        ```

        Turn the topic off on a site with `topics.{{TOPIC}}.enabled: false` (or `set_site_toggles`).
        See the agent's docs/plugins.md for the SDK, the store, contracts and errors.

        """

    static let cPlugin = """
        /* {{ID}}: answers {{TOPIC}} {name: non-empty string} with a greeting. Plain C11 against
         * agent_plugin.h; links no Swift runtime (toolchain "none"). */
        #include "agent_plugin.h"
        #include "agent_plugin_helpers.h"

        static agent_status topic_handle(void *instance, agent_request_id id, agent_bytes topic, agent_bytes msg,
                                   agent_completion_fn done, void *done_ctx) {
            (void)instance;
            (void)id;
            (void)topic;
            char name[65];
            if (agent_json_string(msg, "name", name, sizeof name) != 1) {
                done(done_ctx, AGENT_E_INVALID_ARGUMENT, agent_error_body("name_too_long", "name has more than 64 bytes", "name"));
                return AGENT_OK;
            }
            char greeting[80];
            snprintf(greeting, sizeof greeting, "Hello, %s!", name);
            agent_answer answer = agent_answer_begin();
            agent_answer_string(&answer, "status", "ok");
            agent_answer_string(&answer, "greeting", greeting);
            done(done_ctx, AGENT_OK, agent_answer_finish(&answer));
            return AGENT_OK;
        }

        static void topic_cancel(void *instance, agent_request_id id) {
            (void)instance;
            (void)id; /* answers inline: nothing to cancel */
        }

        static const agent_topic_handler_v1 vtable = {{sizeof(agent_topic_handler_v1), 1, 0}, topic_handle, topic_cancel};

        static agent_status plugin_init(const agent_host_api *host, agent_bytes config, void **state, agent_owned_bytes *error) {
            (void)config;
            (void)error;
            *state = (void *)host;
            return AGENT_OK;
        }

        static agent_status plugin_register(void *state, const agent_registrar *registrar) {
            static const char contract[] = "{\\"fields\\":{\\"name\\":\\"non_empty_string\\"}}";
            agent_protocol_registration reg;
            memset(&reg, 0, sizeof reg);
            reg.struct_size = sizeof reg;
            reg.protocol_id = AGENT_PROTOCOL_TOPIC_HANDLER;
            reg.name = "{{TOPIC}}";
            reg.vtable = &vtable.header;
            reg.instance = state;
            reg.contract_json = agent_bytes_from(contract, sizeof contract - 1);
            return registrar->register_protocol(registrar->registrar_ctx, &reg);
        }

        static void plugin_shutdown(void *state) { (void)state; }

        static const agent_plugin_descriptor descriptor = {
            AGENT_ABI_MAGIC, sizeof(agent_plugin_descriptor), AGENT_ABI_MAJOR, AGENT_ABI_MINOR, "{{ID}}", "0.1.0",
            AGENT_TOOLCHAIN_NONE, 0, plugin_init, plugin_register, plugin_shutdown,
        };

        __attribute__((visibility("default"))) const agent_plugin_descriptor *agent_plugin_entry_v1(uint32_t major, uint32_t minor) {
            (void)major;
            (void)minor;
            return &descriptor;
        }

        """

    static let cBuild = """
        #!/usr/bin/env bash
        # Builds lib{{NAME}}.so with a plain C compiler: ./build.sh [OUTPUT.so]
        set -euo pipefail
        here="$(cd "$(dirname "$0")" && pwd)"
        out="${1:-$here/lib{{NAME}}.so}"
        "${CC:-cc}" -std=c11 -O2 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden \\
            -I "{{INCLUDE}}" "$here/plugin.c" -o "$out"
        chmod 0755 "$out"
        echo "$out"

        """

    static let cReadme = """
        # {{NAME}}

        An orchestrator-agent plugin (`{{ID}}`) in plain C with one topic, `{{TOPIC}}`.

        ```bash
        ./build.sh                                   # lib{{NAME}}.so (any C11 compiler; no Swift)
        install -m 0755 -o root lib{{NAME}}.so /usr/lib/orchestrator-agent/plugins/
        orchestrator-agent plugins pin /usr/lib/orchestrator-agent/plugins/lib{{NAME}}.so   # → plugins.load
        orchestrator-agent invoke --config /etc/orchestrator-agent/site.json {{TOPIC}} '{"name":"Ada"}'
        ```

        The request helpers and the answer builder come from agent_plugin_helpers.h (header-only).

        """
}
