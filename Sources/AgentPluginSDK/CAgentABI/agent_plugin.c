/* The ABI is header-only; this file exists so SwiftPM builds the C target and checks the
 * header compiles as plain C11. */
#include "agent_plugin.h"

_Static_assert(sizeof(agent_bytes) == 2 * sizeof(void *), "agent_bytes layout");
_Static_assert(offsetof(agent_plugin_descriptor, magic) == 0, "magic must come first");
