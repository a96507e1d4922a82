#define FIXTURE_ID "test.fixture.abi_minor_newer"
#define FIXTURE_MINOR (AGENT_ABI_MINOR + 1)
#include "fixture_plugin.h"
