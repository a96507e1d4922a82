#ifndef RESIDENTTRIM_H
#define RESIDENTTRIM_H

#include <stddef.h>

/// What one trim did.
typedef struct {
    /// Code mappings whose page-table entries were dropped.
    long mappings;
    /// Resident bytes of those mappings just before (Rss), the most the trim can have released.
    size_t resident_bytes;
} resident_trim_result;

/// Drops this process's page-table entries of its read-only code mappings: every `r-xp` mapping
/// of a file that holds no anonymous (copy-on-write) page, read from /proc/self/smaps, gets
/// madvise(MADV_DONTNEED). Start-up runs code once from all over each library, and the kernel
/// maps 64 KiB around every page it faults in, so these mappings stay mostly resident although
/// an idle process runs little of them. The pages stay in the page cache: code that runs again
/// faults its page back in (a minor fault, no disk read). Data mappings and anything with
/// private pages are left alone, so no state is lost.
///
/// Returns 0 and fills `out`, or -errno when /proc/self/smaps cannot be read (nothing done).
int resident_trim_code(resident_trim_result *out);

/// Gives the heap's free memory back to the kernel: glibc's malloc_trim(0), which returns the
/// free pages inside every arena (not only at the top of the heap) with MADV_DONTNEED. A burst of
/// work (building fifty vPLCs: JSON bodies, HTTP buffers) leaves such pages behind, still counted
/// as the process's memory. Returns 1 when memory was given back, 0 when there was none.
int resident_trim_heap(void);

#endif
