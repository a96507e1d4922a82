#define FIXTURE_ID "test.fixture.abi_major2"
#define FIXTURE_MAJOR 2
#include "fixture_plugin.h"
