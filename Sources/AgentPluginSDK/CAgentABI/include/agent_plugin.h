/*
 * agent_plugin.h — the ONLY contract between the orchestrator agent (the host) and its plugins.
 *
 * C11, no includes but <stdint.h> and <stddef.h>. A plugin written in any language that can
 * export a C symbol and call C function pointers can be loaded (see Plugins/Examples/CCounter).
 *
 * ======================================================================================
 * GENERAL RULES (they apply to every function and struct below)
 * ======================================================================================
 *
 * Versioning
 *   - AGENT_ABI_MAJOR changes only on an incompatible change; the entry symbol name carries the
 *     major (agent_plugin_entry_v1). A host refuses a plugin whose major it does not speak.
 *   - AGENT_ABI_MINOR grows when members are APPENDED to a struct or vtable, or when a protocol
 *     (an AGENT_PROTOCOL_* id with its vtable) is added. A host refuses a plugin built against a
 *     minor newer than its own; a plugin must not touch members, nor register protocols, that
 *     the host's minor does not have.
 *   - Minor history: 1.0 the first release; 1.1 adds agent.upgrader (agent_upgrader_v1) and the
 *     store batch's "expect" operation (compare-and-swap); 1.2 lets a topic contract say
 *     "read_only": true (the agent syncs such a command's audit line in the next group).
 *   - Every struct and every vtable starts with `uint32_t struct_size` (vtables through
 *     agent_vtable_header). Fields are only ever appended. A reader checks
 *     AGENT_HAS_FIELD(type, ptr, field) before reading a field that a later minor added.
 *   - Reserved fields and flags must be zero. Unknown enum values are errors.
 *
 * Payloads
 *   - Every payload (message, result, error, config, contract, event) is UTF-8 JSON bytes.
 *   - agent_bytes are BORROWED: valid only until the function that received them returns.
 *     Copy what you keep. ptr may be NULL when len is 0.
 *   - agent_owned_bytes are OWNED by the receiver, who must call release(release_ctx, ptr, len)
 *     exactly once (release may be NULL, meaning nothing to free). Memory is freed by the side
 *     that allocated it, never by a cross-allocator free().
 *
 * Errors
 *   - agent_status: 0 is success; the values in the enum below are stable forever.
 *   - When a status is not AGENT_OK, the accompanying JSON body (if any) is an error object:
 *       {"code": "<stable_snake_case>", "message": "<human text: what and how to fix>",
 *        "field": "<path.to.field>"?, "details": {...}?}
 *
 * Asynchrony and threading
 *   - Every function in a vtable or in agent_host_api may be called from ANY thread, and must
 *     return quickly (no blocking network or disk I/O beyond the documented store calls).
 *   - Work that takes time is asynchronous: the call returns AGENT_OK ("accepted") and later
 *     the completion callback fires EXACTLY ONCE, from any thread. If the call returns anything
 *     but AGENT_OK, the completion is NEVER called.
 *   - A completion may fire before the accepting call has returned (on the same thread).
 *   - The host never calls a plugin re-entrantly from inside one of that plugin's own callbacks
 *     into the host; a plugin may call host services from any thread at any time before its
 *     shutdown returns.
 *   - After shutdown() returns, a plugin must not invoke any host callback and must not touch
 *     any pointer the host gave it, except the agent_host_api, which lives until process exit.
 *
 * Lifetime
 *   - Plugins are loaded with RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE and are NEVER unloaded
 *     (dlclose of a Swift library is unsafe). Disabling a plugin = shutdown() + no routing.
 *   - The descriptor returned by the entry point, the strings it points to, registered vtables
 *     and their instances must stay valid until process exit.
 */
#ifndef AGENT_PLUGIN_H
#define AGENT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------
 * Versions and identity
 * ------------------------------------------------------------------------------------- */

#define AGENT_ABI_MAGIC 0x41475031u /* "AGP1" */
#define AGENT_ABI_MAJOR 1u
#define AGENT_ABI_MINOR 2u
#define AGENT_PLUGIN_ENTRY_V1_NAME "agent_plugin_entry_v1"

/* Toolchain identity. Swift has no stable ABI on Linux: a Swift plugin must be built by the
 * very toolchain that built the host, so both sides must share one libswiftCore.so. The string
 * is computed by the compiler's own C importer (so it names the exact toolchain build).
 * A plugin that links no Swift runtime (plain C, C++, Rust, …) declares AGENT_TOOLCHAIN_NONE
 * and is loaded by any host of the same ABI major. */
#define AGENT_TOOLCHAIN_NONE "none"
#define AGENT__STR2(x) #x
#define AGENT__STR(x) AGENT__STR2(x)
#if defined(__swift__) && defined(__clang_version__)
#define AGENT_TOOLCHAIN_SWIFT "swift-" AGENT__STR(__swift__) "/clang-" __clang_version__
#else
#define AGENT_TOOLCHAIN_SWIFT "unknown"
#endif

/** The toolchain string of the Swift compiler that imports this header (host and Swift SDK). */
static inline const char *agent_swift_toolchain_id(void) { return AGENT_TOOLCHAIN_SWIFT; }

/** True when a struct of `size` bytes contains `field` completely (reader-side minor check). */
#define AGENT_HAS_FIELD(type, size, field) \
    (offsetof(type, field) + sizeof(((type *)0)->field) <= (size_t)(size))

/* ---------------------------------------------------------------------------------------
 * Status codes (stable values)
 * ------------------------------------------------------------------------------------- */

typedef int32_t agent_status;
enum {
    AGENT_OK = 0,
    AGENT_E_INVALID_ARGUMENT = 1, /* input does not satisfy the contract */
    AGENT_E_UNSUPPORTED = 2,      /* unknown method / protocol version */
    AGENT_E_NOT_FOUND = 3,        /* no such key, protocol, topic, object */
    AGENT_E_BUSY = 4,             /* conflicting operation in progress */
    AGENT_E_TIMEOUT = 5,
    AGENT_E_IO = 6,               /* disk, socket, engine failure */
    AGENT_E_CANCELLED = 7,
    AGENT_E_ABI_MISMATCH = 8,
    AGENT_E_DISABLED = 9,         /* topic or feature turned off by site config */
    AGENT_E_INTERNAL = 10,        /* a bug: report it */
    AGENT_E_DUPLICATE = 11,       /* (protocol, name) already registered */
};

/* Log levels mirror swift-log: 0 trace, 1 debug, 2 info, 3 notice, 4 warning, 5 error, 6 critical. */
typedef int32_t agent_log_level;

/* ---------------------------------------------------------------------------------------
 * Buffers
 * ------------------------------------------------------------------------------------- */

/** Borrowed bytes: valid only for the duration of the call that received them. */
typedef struct agent_bytes {
    const uint8_t *ptr;
    size_t len;
} agent_bytes;

/** Owned bytes: the receiver calls release(release_ctx, ptr, len) exactly once (if non-NULL). */
typedef struct agent_owned_bytes {
    uint8_t *ptr;
    size_t len;
    void (*release)(void *release_ctx, uint8_t *ptr, size_t len);
    void *release_ctx;
} agent_owned_bytes;

/** Completion of an asynchronous call: fires exactly once, from any thread. `body` is the
 * result JSON (status AGENT_OK) or an error object (any other status); ownership of `body`
 * passes to the receiver. */
typedef void (*agent_completion_fn)(void *completion_ctx, agent_status status, agent_owned_bytes body);

/** A stream of events (network change, container event, connection state, …). `kind` names
 * the event; `payload_json` is borrowed. May fire from any thread, never after the stream's
 * owner stopped it or after shutdown returned. */
typedef void (*agent_event_fn)(void *ctx, agent_bytes kind, agent_bytes payload_json);

typedef uint64_t agent_request_id;

/** First member of every protocol vtable. The host refuses a protocol_major it does not know. */
typedef struct agent_vtable_header {
    uint32_t struct_size;
    uint16_t protocol_major, protocol_minor;
} agent_vtable_header;


/* ---------------------------------------------------------------------------------------
 * Host services (host → plugin). One table per plugin: host_ctx identifies the plugin, so
 * log lines and store keys are attributed to it. Valid until process exit.
 * ------------------------------------------------------------------------------------- */

typedef struct agent_host_api {
    uint32_t struct_size;
    uint16_t abi_major, abi_minor;
    void *host_ctx;

    /** Write a log line attributed to the plugin. metadata_json is an object of string values
     * or empty. Never blocks on I/O for long. */
    void (*log)(void *host_ctx, agent_log_level level, agent_bytes message, agent_bytes metadata_json);

    /** Emit an event to the cloud (through the transport). Returns AGENT_OK when queued;
     * AGENT_E_UNSUPPORTED when no transport is loaded; AGENT_E_INVALID_ARGUMENT when the
     * payload is not a JSON object. Delivery is asynchronous and best effort. */
    agent_status (*emit_event)(void *host_ctx, agent_bytes topic, agent_bytes payload_json);

    /** Read a site-config value as JSON. key is a dotted path, looked up first in the plugin's
     * own `config` section, then at the top of the site config ("cloud.host", "state_dir").
     * On AGENT_OK *out_value_json is owned by the caller; AGENT_E_NOT_FOUND when absent. */
    agent_status (*config_get)(void *host_ctx, agent_bytes key, agent_owned_bytes *out_value_json);

    /** 1 when `features.<name>` is true in the current site config, else 0. Read at use time:
     * toggles reload on SIGHUP without a restart. */
    int32_t (*feature_enabled)(void *host_ctx, agent_bytes feature_name);

    /** Find a registered protocol implementation. `name` may be empty: the first registration
     * of that protocol. On AGENT_OK, *out_vtable and *out_instance are valid until process
     * exit; the caller checks out_vtable->struct_size and protocol_major before use.
     * AGENT_E_NOT_FOUND when none is registered. */
    agent_status (*lookup_protocol)(void *host_ctx, agent_bytes protocol_id, agent_bytes name,
                                    const agent_vtable_header **out_vtable, void **out_instance);

    /** Monotonic clock in nanoseconds. */
    uint64_t (*monotonic_now_ns)(void *host_ctx);

    /* Durable key-value store, namespaced per plugin id (a plugin never sees another's keys).
     * Values are JSON. Calls are synchronous: each mutation is durable (fsync'd) when it
     * returns AGENT_OK and survives kill -9 at any moment; they may block for one disk sync. */

    /** On AGENT_OK *out_value_json is owned by the caller; AGENT_E_NOT_FOUND when absent. */
    agent_status (*store_get)(void *host_ctx, agent_bytes key, agent_owned_bytes *out_value_json);
    /** Insert or replace. AGENT_E_INVALID_ARGUMENT when value is not JSON. */
    agent_status (*store_put)(void *host_ctx, agent_bytes key, agent_bytes value_json);
    /** Remove; AGENT_OK also when the key was absent. */
    agent_status (*store_delete)(void *host_ctx, agent_bytes key);
    /** Keys with the given prefix, as a JSON array of strings, sorted. Owned by the caller. */
    agent_status (*store_list)(void *host_ctx, agent_bytes prefix, agent_owned_bytes *out_keys_json);
    /** Apply a batch atomically: all or nothing. ops_json is an array of
     * {"op":"put","key":K,"value":V} / {"op":"delete","key":K} / {"op":"expect","key":K,"value":V}
     * (a precondition: the key holds V now) / {"op":"expect","key":K} (the key is absent now).
     * A failed expect applies nothing and returns AGENT_E_BUSY: read again and retry (this is
     * the compare-and-swap for read-modify-write; "expect" needs a host of ABI 1.1 or later —
     * check host->abi_minor >= 1 — older hosts refuse it with AGENT_E_INVALID_ARGUMENT). */
    agent_status (*store_apply)(void *host_ctx, agent_bytes ops_json);
} agent_host_api;

/* ---------------------------------------------------------------------------------------
 * Protocol registry
 * ------------------------------------------------------------------------------------- */

#define AGENT_PROTOCOL_TRANSPORT "agent.transport"
#define AGENT_PROTOCOL_CONTAINER_DRIVER "agent.container_driver"
#define AGENT_PROTOCOL_NETMON "agent.netmon"
#define AGENT_PROTOCOL_TOPIC_HANDLER "agent.topic_handler"
/** Since ABI 1.1: replaces the agent's own deployment by a newer one (self-upgrade). */
#define AGENT_PROTOCOL_UPGRADER "agent.upgrader"

typedef struct agent_protocol_registration {
    uint32_t struct_size;
    /** One of the AGENT_PROTOCOL_* ids. NUL-terminated, copied by the host. */
    const char *protocol_id;
    /** Instance name, unique per protocol; for agent.topic_handler the topic
     * ("get_device_status"). NUL-terminated, copied by the host. */
    const char *name;
    /** The protocol's vtable (agent_topic_handler_v1, …); must live until process exit. */
    const agent_vtable_header *vtable;
    /** Passed back as the first argument of every vtable call. */
    void *instance;
    /** agent.topic_handler only: the message contract as JSON (docs/plugins.md, "Contracts"),
     * e.g. {"fields":{"device_id":"non_empty_string","count":{"optional":"number"}}}.
     * The host validates every inbound message against it before calling handle(). Borrowed. */
    agent_bytes contract_json;
    /** Registration flags; for topic handlers AGENT_TOPIC_ADD_DEFAULTS fills `action` and
     * `requested_at` when absent (upstream add_defaults). Other bits reserved, zero. */
    uint64_t flags;
} agent_protocol_registration;

#define AGENT_TOPIC_ADD_DEFAULTS 0x1u

typedef struct agent_registrar {
    uint32_t struct_size;
    void *registrar_ctx;
    /** Valid only during register_protocols(). AGENT_E_DUPLICATE for a (protocol_id, name)
     * already taken (by this or another plugin), AGENT_E_UNSUPPORTED for an unknown protocol
     * id or major, AGENT_E_INVALID_ARGUMENT for a contract that does not parse. */
    agent_status (*register_protocol)(void *registrar_ctx, const agent_protocol_registration *reg);
} agent_registrar;

/* ---------------------------------------------------------------------------------------
 * The descriptor and the entry point
 * ------------------------------------------------------------------------------------- */

typedef struct agent_plugin_descriptor {
    uint32_t magic; /* AGENT_ABI_MAGIC */
    uint32_t struct_size;
    uint16_t abi_major; /* AGENT_ABI_MAJOR the plugin was built with */
    uint16_t abi_minor; /* AGENT_ABI_MINOR the plugin was built with; must be <= the host's */
    /** Reverse-DNS id; must equal the site-config entry that named this file. */
    const char *plugin_id;
    /** Semantic version of the plugin. */
    const char *plugin_version;
    /** AGENT_TOOLCHAIN_SWIFT for Swift plugins, AGENT_TOOLCHAIN_NONE for runtime-free ones. */
    const char *toolchain;
    uint64_t flags; /* reserved, 0 */

    /** Called once, before register_protocols. `host` lives until process exit.
     * plugin_config_json is the entry's `config` object (or {}), borrowed. A plugin refuses
     * bytes that are not a JSON object (the Swift SDK: AGENT_E_INVALID_ARGUMENT, code
     * "bad_config"); it never starts on defaults instead.
     * On failure return non-OK and optionally an error object in *out_error_json (owned by
     * the host); the plugin is then marked failed and never called again. */
    agent_status (*init)(const agent_host_api *host, agent_bytes plugin_config_json,
                         void **out_plugin_state, agent_owned_bytes *out_error_json);

    /** Called once after a successful init; registers every protocol implementation. A failed
     * registration fails the plugin: the host drops all of its registrations. */
    agent_status (*register_protocols)(void *plugin_state, const agent_registrar *registrar);

    /** Stop all work. Pending completions must have fired (with AGENT_E_CANCELLED if need be)
     * before this returns; no host callback after. Called at most once. */
    void (*shutdown)(void *plugin_state);
} agent_plugin_descriptor;

/** The exported entry point. The host passes the ABI it speaks; the plugin returns a pointer to
 * a descriptor in static storage (never NULL unless it cannot run at all). */
typedef const agent_plugin_descriptor *(*agent_plugin_entry_v1_fn)(uint32_t host_abi_major,
                                                                   uint32_t host_abi_minor);

/* ---------------------------------------------------------------------------------------
 * Protocol vtables, v1. Minor versions append members.
 * ------------------------------------------------------------------------------------- */

/** agent.topic_handler — one registration per topic. */
typedef struct agent_topic_handler_v1 {
    agent_vtable_header header; /* protocol_major 1 */
    /** Handle one message that already passed the contract. message_json is a JSON object
     * (borrowed). Returns AGENT_OK when accepted; `done` then fires exactly once with the
     * result object (merged by the host into {action, correlation_id, …}) or an error object.
     * `id` is unique per process and names the request for cancel(). */
    agent_status (*handle)(void *instance, agent_request_id id, agent_bytes topic,
                           agent_bytes message_json, agent_completion_fn done, void *done_ctx);
    /** Ask to stop request `id` (timeout, shutdown). Idempotent; unknown ids are ignored.
     * `done` still fires exactly once (the host ignores a completion that comes after it
     * already answered with a timeout). */
    void (*cancel)(void *instance, agent_request_id id);
} agent_topic_handler_v1;

/** Called by a transport for every inbound command. When the command carries an ack, `reply`
 * is non-NULL and the host calls it exactly once with the response object; when it does not,
 * `reply` is NULL. */
typedef void (*agent_inbound_fn)(void *ctx, agent_bytes topic, agent_bytes payload_json,
                                 agent_completion_fn reply, void *reply_ctx);

/** agent.transport — the cloud link. */
typedef struct agent_transport_v1 {
    agent_vtable_header header; /* protocol_major 1 */
    /** Start connecting (and keep reconnecting) with the endpoint described by
     * config_json. Inbound commands go to on_inbound; state changes ("connected",
     * "disconnected", "error") go to on_state. Returns at once. A config_json that is not a
     * JSON object is refused with AGENT_E_INVALID_ARGUMENT. */
    agent_status (*start)(void *instance, agent_bytes config_json, agent_inbound_fn on_inbound,
                          void *inbound_ctx, agent_event_fn on_state, void *state_ctx);
    /** Send an event. flags: AGENT_SEND_QUEUE keeps it while disconnected (bounded, oldest
     * dropped first); without it a send while disconnected fails with AGENT_E_BUSY (heartbeats).
     * `done` may be NULL; if not, it fires exactly once (AGENT_OK once written to the socket). */
    agent_status (*send)(void *instance, agent_bytes topic, agent_bytes payload_json, uint64_t flags,
                         agent_completion_fn done, void *done_ctx);
    /** Drop the current connection attempt's back-off and try now (network changed). */
    void (*reconnect_now)(void *instance);
    /** Stop; `done` (may be NULL) fires once the link is closed. */
    void (*stop)(void *instance, agent_completion_fn done, void *done_ctx);
    /** JSON methods for queries. "status" answers {"connected": bool, "agent_id": string|null,
     * "cert_expires_in_days": number|null, "queued": n, "dropped": n, …}. */
    agent_status (*invoke)(void *instance, agent_request_id id, agent_bytes method, agent_bytes params_json,
                           agent_completion_fn done, void *done_ctx);
} agent_transport_v1;

#define AGENT_SEND_QUEUE 0x1u

/** agent.container_driver — a container engine behind JSON methods ("container.create", …;
 * the method catalogue and schemas are versioned in docs/plugins.md). */
typedef struct agent_container_driver_v1 {
    agent_vtable_header header; /* protocol_major 1 */
    agent_status (*invoke)(void *instance, agent_request_id id, agent_bytes method,
                           agent_bytes params_json, agent_completion_fn done, void *done_ctx);
    void (*cancel)(void *instance, agent_request_id id);
    /** Subscribe to engine events; returns a subscription id > 0 in *out_subscription.
     * filter_json is a JSON object ({} = every event); anything else, or a filter the driver
     * does not understand, is refused with AGENT_E_INVALID_ARGUMENT (never read as {}). */
    agent_status (*subscribe)(void *instance, agent_bytes filter_json, agent_event_fn on_event,
                              void *ctx, uint64_t *out_subscription);
    /** After return, on_event of that subscription is never called again. */
    void (*unsubscribe)(void *instance, uint64_t subscription);
} agent_container_driver_v1;

/** agent.netmon — host network state (from the netmon sidecar). */
typedef struct agent_netmon_v1 {
    agent_vtable_header header; /* protocol_major 1 */
    /** Methods: "snapshot", "start_dhcp", "stop_dhcp", … (docs/plugins.md). */
    agent_status (*invoke)(void *instance, agent_request_id id, agent_bytes method,
                           agent_bytes params_json, agent_completion_fn done, void *done_ctx);
    agent_status (*subscribe)(void *instance, agent_event_fn on_event, void *ctx,
                              uint64_t *out_subscription);
    void (*unsubscribe)(void *instance, uint64_t subscription);
} agent_netmon_v1;

/** agent.upgrader (since ABI 1.1) — how this deployment replaces the agent (or a sidecar) by a
 * newer one and puts the previous one back: the swap half of a self-upgrade, the host keeps the
 * health gate. JSON methods, one swap per token: "swap.prepare" (reads only, answers a token),
 * "swap.begin" (the successor runs), "swap.status" (is it still running), then exactly one of
 * "swap.commit" (the previous one goes) or "swap.rollback" (the previous one runs again). After
 * a failed "swap.begin" the token stays open for "swap.rollback". The method catalogue and
 * schemas are in docs/plugins.md. */
typedef struct agent_upgrader_v1 {
    agent_vtable_header header; /* protocol_major 1 */
    agent_status (*invoke)(void *instance, agent_request_id id, agent_bytes method,
                           agent_bytes params_json, agent_completion_fn done, void *done_ctx);
    /** Ask to stop request `id`. Idempotent; unknown ids are ignored; `done` still fires once. */
    void (*cancel)(void *instance, agent_request_id id);
} agent_upgrader_v1;

/* ---------------------------------------------------------------------------------------
 * Small helpers usable from C plugins (static inline, no symbols exported).
 * ------------------------------------------------------------------------------------- */

/** The stable snake_case code a caller reports for a failure `status` that came without an
 * error body ("invalid_argument", "not_found", …; "internal" for unknown values). */
static inline const char *agent_status_code(agent_status status) {
    switch (status) {
    case AGENT_E_INVALID_ARGUMENT: return "invalid_argument";
    case AGENT_E_UNSUPPORTED: return "unsupported";
    case AGENT_E_NOT_FOUND: return "not_found";
    case AGENT_E_BUSY: return "busy";
    case AGENT_E_TIMEOUT: return "timeout";
    case AGENT_E_IO: return "io";
    case AGENT_E_CANCELLED: return "cancelled";
    case AGENT_E_ABI_MISMATCH: return "abi_mismatch";
    case AGENT_E_DISABLED: return "disabled";
    case AGENT_E_DUPLICATE: return "duplicate";
    default: return "internal";
    }
}

static inline agent_bytes agent_bytes_from(const void *ptr, size_t len) {
    agent_bytes b;
    b.ptr = (const uint8_t *)ptr;
    b.len = len;
    return b;
}

static inline agent_owned_bytes agent_owned_none(void) {
    agent_owned_bytes b;
    b.ptr = 0;
    b.len = 0;
    b.release = 0;
    b.release_ctx = 0;
    return b;
}

static inline void agent_owned_release(agent_owned_bytes b) {
    if (b.release) b.release(b.release_ctx, b.ptr, b.len);
}

#ifdef __cplusplus
}
#endif

#endif /* AGENT_PLUGIN_H */
