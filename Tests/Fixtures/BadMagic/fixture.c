#define FIXTURE_ID "test.fixture.bad_magic"
#define FIXTURE_MAGIC 0xDEADBEEFu
#include "fixture_plugin.h"
