#define _GNU_SOURCE
#include "residenttrim.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

typedef struct {
    unsigned long start, end;
    long rss_kb, anon_kb;
    int code;
} mapping;

/* The whole of /proc/self/smaps first, then the advice: the file changes as mappings change. */
static int read_mappings(mapping **out, size_t *count) {
    FILE *f = fopen("/proc/self/smaps", "re");
    if (!f) return -errno;
    size_t cap = 64, n = 0;
    mapping *m = malloc(cap * sizeof *m);
    if (!m) {
        fclose(f);
        return -ENOMEM;
    }
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        unsigned long start, end;
        char perms[8], path[4096] = "";
        if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %4095s", &start, &end, perms, path) >= 3) {
            if (n == cap) {
                mapping *grown = realloc(m, (cap *= 2) * sizeof *m);
                if (!grown) {
                    free(m);
                    fclose(f);
                    return -ENOMEM;
                }
                m = grown;
            }
            m[n++] = (mapping){start, end, 0, 0, strcmp(perms, "r-xp") == 0 && path[0] == '/'};
        } else if (n > 0 && strncmp(line, "Rss:", 4) == 0) {
            m[n - 1].rss_kb = atol(line + 4);
        } else if (n > 0 && strncmp(line, "Anonymous:", 10) == 0) {
            m[n - 1].anon_kb = atol(line + 10);
        }
    }
    fclose(f);
    *out = m;
    *count = n;
    return 0;
}

int resident_trim_code(resident_trim_result *out) {
    mapping *m;
    size_t n;
    int rc = read_mappings(&m, &n);
    if (rc != 0) return rc;
    resident_trim_result r = {0, 0};
    for (size_t i = 0; i < n; i++) {
        if (!m[i].code || m[i].anon_kb != 0 || m[i].rss_kb == 0) continue;
        if (madvise((void *)m[i].start, m[i].end - m[i].start, MADV_DONTNEED) == 0) {
            r.mappings++;
            r.resident_bytes += (size_t)m[i].rss_kb * 1024;
        }
    }
    free(m);
    *out = r;
    return 0;
}

int resident_trim_heap(void) { return malloc_trim(0); }
