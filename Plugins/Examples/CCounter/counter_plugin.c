/*
 * A third-party command plugin written in plain C against agent_plugin.h alone: proof that the
 * plugin ABI is language-neutral. It links no Swift runtime (toolchain "none").
 *
 * Topic `example_counter` — contract {"increment": optional number}. Adds `increment` (default 1)
 * to a counter kept in the host's durable store under this plugin's namespace and answers
 * {"status":"ok","count":N}; an increment that is not finite or above 1e12 is refused with the
 * typed error `bad_increment` (field `increment`). Demonstrates: registration with a contract,
 * host logging, the durable store, feature flags (`features.example_counter_double` doubles the
 * increment), owned-buffer release rules, and the optional helpers of agent_plugin_helpers.h
 * (reading a member of the request, building the answer and the error body).
 */
#include "agent_plugin.h"
#include "agent_plugin_helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct counter_state {
    const agent_host_api *host;
} counter_state;

static void counter_log(const agent_host_api *host, agent_log_level level, const char *text) {
    host->log(host->host_ctx, level, agent_bytes_from(text, strlen(text)), agent_bytes_from(0, 0));
}

static agent_status counter_handle(void *instance, agent_request_id id, agent_bytes topic, agent_bytes msg,
                                   agent_completion_fn done, void *done_ctx) {
    (void)id;
    (void)topic;
    counter_state *st = (counter_state *)instance;
    const agent_host_api *host = st->host;
    static const char store_key[] = "count";
    double inc = 1;
    if (agent_json_number(msg, "increment", &inc) < 0 || !(inc > -1e12 && inc < 1e12)) {
        done(done_ctx, AGENT_E_INVALID_ARGUMENT,
             agent_error_body("bad_increment", "increment must be a number between -1e12 and 1e12", "increment"));
        return AGENT_OK;
    }
    static const char feature[] = "example_counter_double";
    if (host->feature_enabled(host->host_ctx, agent_bytes_from(feature, sizeof feature - 1))) inc *= 2;

    /* Read-modify-write without a lock of our own: the batch applies only if the counter still
     * holds what was read ("expect"); a concurrent request makes it fail with AGENT_E_BUSY, and
     * we read again. */
    double count = 0;
    agent_status s = AGENT_E_BUSY;
    for (int attempt = 0; attempt < 16 && s == AGENT_E_BUSY; attempt++) {
        char old[64] = "";
        agent_owned_bytes stored = agent_owned_none();
        if (host->store_get(host->host_ctx, agent_bytes_from(store_key, sizeof store_key - 1), &stored) == AGENT_OK) {
            size_t n = stored.len < sizeof old - 1 ? stored.len : sizeof old - 1;
            memcpy(old, stored.ptr, n);
            old[n] = 0;
            agent_owned_release(stored);
        }
        count = (old[0] ? strtod(old, 0) : 0) + inc;
        /* {"op":"expect","key":"count"} without a value: the counter must still be absent. */
        char expect[96] = "{\"op\":\"expect\",\"key\":\"count\"}";
        if (old[0]) snprintf(expect, sizeof expect, "{\"op\":\"expect\",\"key\":\"count\",\"value\":%s}", old);
        char ops[256];
        snprintf(ops, sizeof ops, "[%s,{\"op\":\"put\",\"key\":\"count\",\"value\":%.17g}]", expect, count);
        s = host->store_apply(host->host_ctx, agent_bytes_from(ops, strlen(ops)));
    }
    if (s == AGENT_E_BUSY) {
        done(done_ctx, s, agent_error_body("conflict", "the counter kept changing under concurrent requests; retry", NULL));
        return AGENT_OK;
    }
    if (s != AGENT_OK) {
        done(done_ctx, s, agent_error_body("store_failed", "could not persist the counter", NULL));
        return AGENT_OK;
    }
    char line[96];
    snprintf(line, sizeof line, "counter is now %.17g", count);
    counter_log(host, 1, line);
    agent_answer answer = agent_answer_begin();
    agent_answer_string(&answer, "status", "ok");
    agent_answer_number(&answer, "count", count);
    done(done_ctx, AGENT_OK, agent_answer_finish(&answer));
    return AGENT_OK;
}

static void counter_cancel(void *instance, agent_request_id id) {
    (void)instance;
    (void)id; /* answers inline: nothing to cancel */
}

static const agent_topic_handler_v1 counter_vtable = {
    {sizeof(agent_topic_handler_v1), 1, 0},
    counter_handle,
    counter_cancel,
};

static agent_status counter_init(const agent_host_api *host, agent_bytes cfg, void **out_state,
                                 agent_owned_bytes *out_error) {
    (void)cfg;
    if (host->struct_size < sizeof(agent_host_api) || host->abi_major != AGENT_ABI_MAJOR) {
        *out_error = agent_error_body("host_too_old", "host API lacks the store", NULL);
        return AGENT_E_ABI_MISMATCH;
    }
    counter_state *st = (counter_state *)calloc(1, sizeof *st);
    if (!st) return AGENT_E_INTERNAL;
    st->host = host;
    *out_state = st;
    counter_log(host, 2, "C counter plugin initialised");
    return AGENT_OK;
}

static agent_status counter_register(void *state, const agent_registrar *registrar) {
    static const char contract[] = "{\"fields\":{\"increment\":{\"optional\":\"number\"}}}";
    agent_protocol_registration reg;
    memset(&reg, 0, sizeof reg);
    reg.struct_size = sizeof reg;
    reg.protocol_id = AGENT_PROTOCOL_TOPIC_HANDLER;
    reg.name = "example_counter";
    reg.vtable = &counter_vtable.header;
    reg.instance = state;
    reg.contract_json = agent_bytes_from(contract, sizeof contract - 1);
    return registrar->register_protocol(registrar->registrar_ctx, &reg);
}

static void counter_shutdown(void *state) {
    /* Handlers answer inline, so nothing is pending. The state is leaked on purpose: the
     * library is never unloaded and the host may still hold the instance pointer. */
    (void)state;
}

static const agent_plugin_descriptor counter_descriptor = {
    AGENT_ABI_MAGIC,
    sizeof(agent_plugin_descriptor),
    AGENT_ABI_MAJOR,
    AGENT_ABI_MINOR,
    "com.example.counter-c",
    "1.0.0",
    AGENT_TOOLCHAIN_NONE,
    0,
    counter_init,
    counter_register,
    counter_shutdown,
};

__attribute__((visibility("default"))) const agent_plugin_descriptor *agent_plugin_entry_v1(uint32_t host_major,
                                                                                          uint32_t host_minor) {
    (void)host_major;
    (void)host_minor;
    return &counter_descriptor;
}
