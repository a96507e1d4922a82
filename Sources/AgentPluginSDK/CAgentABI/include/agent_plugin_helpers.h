/*
 * agent_plugin_helpers.h — optional, header-only helpers for plugins written in C.
 *
 * Nothing here is part of the ABI: every function is `static inline`, uses only the C library,
 * and exports no symbol. Include it after agent_plugin.h.
 *
 *   Reading a request        agent_json_string / agent_json_number / agent_json_bool read one
 *                            member of the message object (the host validated it against the
 *                            topic's contract, so types are as declared; absent members say so).
 *   Answering                agent_answer_* build a JSON object into an owned buffer that the
 *                            host releases (malloc'ed, released with free through the buffer's
 *                            own release function), and agent_error_body builds the ABI's error
 *                            object {"code","message","field"?}.
 *
 * Return values: 1 = found and converted, 0 = absent (or JSON null), -1 = present but of
 * another type, malformed, or too long for the caller's buffer.
 */
#ifndef AGENT_PLUGIN_HELPERS_H
#define AGENT_PLUGIN_HELPERS_H

#include "agent_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------
 * Reading members of a JSON object (the request message)
 * ------------------------------------------------------------------------------------- */

static inline size_t agent__json_ws(const uint8_t *p, size_t n, size_t i) {
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r')) i++;
    return i;
}

/* Index just past the string starting at p[i] == '"', or 0 when malformed. */
static inline size_t agent__json_skip_string(const uint8_t *p, size_t n, size_t i) {
    for (i++; i < n; i++) {
        if (p[i] == '\\') { i++; continue; }
        if (p[i] == '"') return i + 1;
    }
    return 0;
}

/* Index just past the value starting at p[i], or 0 when malformed. */
static inline size_t agent__json_skip_value(const uint8_t *p, size_t n, size_t i) {
    if (i >= n) return 0;
    if (p[i] == '"') return agent__json_skip_string(p, n, i);
    if (p[i] == '{' || p[i] == '[') {
        int depth = 0;
        for (; i < n; i++) {
            if (p[i] == '"') {
                size_t e = agent__json_skip_string(p, n, i);
                if (!e) return 0;
                i = e - 1;
            } else if (p[i] == '{' || p[i] == '[') {
                depth++;
            } else if (p[i] == '}' || p[i] == ']') {
                if (--depth == 0) return i + 1;
            }
        }
        return 0;
    }
    while (i < n && p[i] != ',' && p[i] != '}' && p[i] != ']' && p[i] != ' ' && p[i] != '\n' && p[i] != '\t' &&
           p[i] != '\r')
        i++;
    return i;
}

/* Finds member `key` of the top-level object in `json`; sets *start and *end around its value. */
static inline int agent_json_member(agent_bytes json, const char *key, size_t *start, size_t *end) {
    const uint8_t *p = json.ptr;
    size_t n = json.len, klen = strlen(key);
    size_t i = agent__json_ws(p, n, 0);
    if (!p || i >= n || p[i] != '{') return -1;
    i = agent__json_ws(p, n, i + 1);
    if (i < n && p[i] == '}') return 0;
    while (i < n) {
        if (p[i] != '"') return -1;
        size_t kend = agent__json_skip_string(p, n, i);
        if (!kend) return -1;
        int match = (kend - i - 2 == klen) && memcmp(p + i + 1, key, klen) == 0;
        i = agent__json_ws(p, n, kend);
        if (i >= n || p[i] != ':') return -1;
        i = agent__json_ws(p, n, i + 1);
        size_t vend = agent__json_skip_value(p, n, i);
        if (!vend) return -1;
        if (match) {
            *start = i;
            *end = vend;
            return 1;
        }
        i = agent__json_ws(p, n, vend);
        if (i < n && p[i] == ',') { i = agent__json_ws(p, n, i + 1); continue; }
        return (i < n && p[i] == '}') ? 0 : -1;
    }
    return -1;
}

/* Member `key` as a NUL-terminated UTF-8 string in buf (escapes \" \\ \/ \b \f \n \r \t
 * decoded; \u escapes are refused with -1). */
static inline int agent_json_string(agent_bytes json, const char *key, char *buf, size_t cap) {
    size_t s, e;
    int found = agent_json_member(json, key, &s, &e);
    if (found != 1) return found;
    const uint8_t *p = json.ptr;
    if (e - s == 4 && memcmp(p + s, "null", 4) == 0) return 0;
    if (p[s] != '"' || cap == 0) return -1;
    size_t o = 0;
    for (size_t i = s + 1; i < e - 1; i++) {
        char c = (char)p[i];
        if (c == '\\') {
            char x = (char)p[++i];
            c = x == 'n' ? '\n' : x == 't' ? '\t' : x == 'r' ? '\r' : x == 'b' ? '\b' : x == 'f' ? '\f' : x;
            if (x == 'u') return -1;
        }
        if (o + 1 >= cap) return -1;
        buf[o++] = c;
    }
    buf[o] = 0;
    return 1;
}

/* Member `key` as a number. */
static inline int agent_json_number(agent_bytes json, const char *key, double *out) {
    size_t s, e;
    int found = agent_json_member(json, key, &s, &e);
    if (found != 1) return found;
    char tmp[64];
    size_t n = e - s;
    if (n == 4 && memcmp(json.ptr + s, "null", 4) == 0) return 0;
    if (n == 0 || n >= sizeof tmp) return -1;
    memcpy(tmp, json.ptr + s, n);
    tmp[n] = 0;
    char *stop = 0;
    double v = strtod(tmp, &stop);
    if (stop != tmp + n || !(tmp[0] == '-' || (tmp[0] >= '0' && tmp[0] <= '9'))) return -1;
    *out = v;
    return 1;
}

/* Member `key` as a boolean (1 or 0 in *out). */
static inline int agent_json_bool(agent_bytes json, const char *key, int *out) {
    size_t s, e;
    int found = agent_json_member(json, key, &s, &e);
    if (found != 1) return found;
    size_t n = e - s;
    if (n == 4 && memcmp(json.ptr + s, "true", 4) == 0) { *out = 1; return 1; }
    if (n == 5 && memcmp(json.ptr + s, "false", 5) == 0) { *out = 0; return 1; }
    return (n == 4 && memcmp(json.ptr + s, "null", 4) == 0) ? 0 : -1;
}

/* ---------------------------------------------------------------------------------------
 * Building an answer (a flat JSON object) into an owned buffer
 * ------------------------------------------------------------------------------------- */

typedef struct agent_answer {
    char *buf;
    size_t len, cap;
    int failed; /* out of memory: agent_answer_finish gives an empty buffer */
} agent_answer;

static inline void agent__answer_raw(agent_answer *a, const char *s, size_t n) {
    if (a->failed) return;
    if (a->len + n + 2 > a->cap) {
        size_t cap = (a->cap ? a->cap * 2 : 128) + n;
        char *grown = (char *)realloc(a->buf, cap);
        if (!grown) { a->failed = 1; return; }
        a->buf = grown;
        a->cap = cap;
    }
    memcpy(a->buf + a->len, s, n);
    a->len += n;
}

static inline void agent__answer_quoted(agent_answer *a, const char *s) {
    agent__answer_raw(a, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[8];
        if (c == '"' || c == '\\') { esc[0] = '\\'; esc[1] = (char)c; agent__answer_raw(a, esc, 2); }
        else if (c < 0x20) { snprintf(esc, sizeof esc, "\\u%04x", c); agent__answer_raw(a, esc, 6); }
        else agent__answer_raw(a, (const char *)&c, 1);
    }
    agent__answer_raw(a, "\"", 1);
}

static inline void agent__answer_key(agent_answer *a, const char *key) {
    agent__answer_raw(a, a->len == 0 ? "{" : ",", 1);
    agent__answer_quoted(a, key);
    agent__answer_raw(a, ":", 1);
}

/** Starts an empty answer object. */
static inline agent_answer agent_answer_begin(void) {
    agent_answer a = {0, 0, 0, 0};
    return a;
}

/** Adds "key": "value" (escaped). */
static inline void agent_answer_string(agent_answer *a, const char *key, const char *value) {
    agent__answer_key(a, key);
    agent__answer_quoted(a, value);
}

/** Adds "key": number (integers print without a fraction; NaN and infinities as null). */
static inline void agent_answer_number(agent_answer *a, const char *key, double value) {
    char tmp[40];
    agent__answer_key(a, key);
    if (value != value || value > 1.7976931348623157e308 || value < -1.7976931348623157e308)
        snprintf(tmp, sizeof tmp, "null");
    else
        snprintf(tmp, sizeof tmp, "%.17g", value);
    agent__answer_raw(a, tmp, strlen(tmp));
}

/** Adds "key": true|false. */
static inline void agent_answer_bool(agent_answer *a, const char *key, int value) {
    agent__answer_key(a, key);
    agent__answer_raw(a, value ? "true" : "false", value ? 4 : 5);
}

static inline void agent__answer_free(void *ctx, uint8_t *ptr, size_t len) {
    (void)ctx;
    (void)len;
    free(ptr);
}

/** Closes the object and hands it over as an owned buffer (the receiver releases it). */
static inline agent_owned_bytes agent_answer_finish(agent_answer *a) {
    agent_owned_bytes out = agent_owned_none();
    if (a->len == 0) agent__answer_raw(a, "{", 1);
    agent__answer_raw(a, "}", 1);
    if (a->failed) { free(a->buf); return out; }
    out.ptr = (uint8_t *)a->buf;
    out.len = a->len;
    out.release = agent__answer_free;
    return out;
}

/** The ABI's error object {"code","message","field"?} as an owned buffer (field may be NULL). */
static inline agent_owned_bytes agent_error_body(const char *code, const char *message, const char *field) {
    agent_answer a = agent_answer_begin();
    agent_answer_string(&a, "code", code);
    agent_answer_string(&a, "message", message);
    if (field) agent_answer_string(&a, "field", field);
    return agent_answer_finish(&a);
}

#endif /* AGENT_PLUGIN_HELPERS_H */
