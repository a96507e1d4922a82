#define FIXTURE_ID "test.fixture.slow"
#define FIXTURE_HANDLER_SLEEP_US 8000000
#define FIXTURE_TOPIC "slow_topic"
#include "fixture_plugin.h"
