/* Broken-on-purpose plugins for the loader tests. Each fixture target defines a few macros
 * and includes this header once; it produces a complete C plugin that registers one topic. */
#ifndef FIXTURE_PLUGIN_H
#define FIXTURE_PLUGIN_H
#include "agent_plugin.h"
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef FIXTURE_MAGIC
#define FIXTURE_MAGIC AGENT_ABI_MAGIC
#endif
#ifndef FIXTURE_MAJOR
#define FIXTURE_MAJOR AGENT_ABI_MAJOR
#endif
#ifndef FIXTURE_MINOR
#define FIXTURE_MINOR AGENT_ABI_MINOR
#endif
#ifndef FIXTURE_TOOLCHAIN
#define FIXTURE_TOOLCHAIN AGENT_TOOLCHAIN_NONE
#endif
#ifndef FIXTURE_INIT_FAILS
#define FIXTURE_INIT_FAILS 0
#endif
#ifndef FIXTURE_REGISTER_TWICE
#define FIXTURE_REGISTER_TWICE 0
#endif
#ifndef FIXTURE_TOPIC
#define FIXTURE_TOPIC "fixture_topic"
#endif
/* Microseconds the handler sleeps on a thread before answering (0 = answer inline). */
#ifndef FIXTURE_HANDLER_SLEEP_US
#define FIXTURE_HANDLER_SLEEP_US 0
#endif

static void fixture_release(void *ctx, uint8_t *ptr, size_t len) { (void)ctx; (void)len; free(ptr); }

static agent_owned_bytes fixture_owned(const char *s) {
    agent_owned_bytes b = agent_owned_none();
    size_t n = strlen(s);
    b.ptr = (uint8_t *)malloc(n);
    if (!b.ptr) return b;
    memcpy(b.ptr, s, n);
    b.len = n;
    b.release = fixture_release;
    return b;
}

#if FIXTURE_HANDLER_SLEEP_US > 0
#include <pthread.h>
typedef struct { agent_completion_fn done; void *ctx; } fixture_job;
static void *fixture_worker(void *arg) {
    fixture_job job = *(fixture_job *)arg;
    free(arg);
    usleep(FIXTURE_HANDLER_SLEEP_US);
    job.done(job.ctx, AGENT_OK, fixture_owned("{\"status\":\"slow-done\"}"));
    return 0;
}
#endif

static agent_status fixture_handle(void *instance, agent_request_id id, agent_bytes topic, agent_bytes msg,
                                   agent_completion_fn done, void *done_ctx) {
    (void)instance; (void)id; (void)topic; (void)msg;
#if FIXTURE_HANDLER_SLEEP_US > 0
    fixture_job *job = (fixture_job *)malloc(sizeof *job);
    if (!job) return AGENT_E_INTERNAL;
    job->done = done; job->ctx = done_ctx;
    pthread_t t;
    if (pthread_create(&t, 0, fixture_worker, job) != 0) { free(job); return AGENT_E_INTERNAL; }
    pthread_detach(t);
    return AGENT_OK;
#else
    done(done_ctx, AGENT_OK, fixture_owned("{\"status\":\"ok\"}"));
    return AGENT_OK;
#endif
}

static void fixture_cancel(void *instance, agent_request_id id) { (void)instance; (void)id; }

static const agent_topic_handler_v1 fixture_vtable = {
    {sizeof(agent_topic_handler_v1), 1, 0}, fixture_handle, fixture_cancel};

static agent_status fixture_init(const agent_host_api *host, agent_bytes cfg, void **state, agent_owned_bytes *err) {
    (void)host; (void)cfg;
    *state = 0;
    if (FIXTURE_INIT_FAILS) {
        *err = fixture_owned("{\"code\":\"fixture_init_failed\",\"message\":\"this fixture always fails init\"}");
        return AGENT_E_IO;
    }
    return AGENT_OK;
}

static agent_status fixture_register(void *state, const agent_registrar *r) {
    (void)state;
    static const char contract[] = "{\"fields\":{}}";
    agent_protocol_registration reg;
    memset(&reg, 0, sizeof reg);
    reg.struct_size = sizeof reg;
    reg.protocol_id = AGENT_PROTOCOL_TOPIC_HANDLER;
    reg.name = FIXTURE_TOPIC;
    reg.vtable = &fixture_vtable.header;
    reg.contract_json = agent_bytes_from(contract, sizeof contract - 1);
    agent_status s = r->register_protocol(r->registrar_ctx, &reg);
    if (s != AGENT_OK) return s;
    if (FIXTURE_REGISTER_TWICE) return r->register_protocol(r->registrar_ctx, &reg);
    return AGENT_OK;
}

static void fixture_shutdown(void *state) { (void)state; }

static const agent_plugin_descriptor fixture_descriptor = {
    FIXTURE_MAGIC, sizeof(agent_plugin_descriptor), FIXTURE_MAJOR, FIXTURE_MINOR,
    FIXTURE_ID, "0.0.1", FIXTURE_TOOLCHAIN, 0,
    fixture_init, fixture_register, fixture_shutdown};

#ifndef FIXTURE_NO_ENTRY
__attribute__((visibility("default"))) const agent_plugin_descriptor *agent_plugin_entry_v1(uint32_t major, uint32_t minor) {
    (void)major; (void)minor;
    return &fixture_descriptor;
}
#else
__attribute__((visibility("default"))) const agent_plugin_descriptor *agent_plugin_entry_v0(uint32_t major, uint32_t minor) {
    (void)major; (void)minor;
    return &fixture_descriptor;
}
#endif

#endif
