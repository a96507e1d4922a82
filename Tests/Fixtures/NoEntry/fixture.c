#define FIXTURE_ID "test.fixture.no_entry"
#define FIXTURE_NO_ENTRY 1
#include "fixture_plugin.h"
