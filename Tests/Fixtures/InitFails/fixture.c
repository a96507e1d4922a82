#define FIXTURE_ID "test.fixture.init_fails"
#define FIXTURE_INIT_FAILS 1
#include "fixture_plugin.h"
