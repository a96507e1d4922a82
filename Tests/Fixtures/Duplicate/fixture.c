#define FIXTURE_ID "test.fixture.duplicate"
#define FIXTURE_REGISTER_TWICE 1
#define FIXTURE_TOPIC "example_hello"
#include "fixture_plugin.h"
