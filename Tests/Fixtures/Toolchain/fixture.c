#define FIXTURE_ID "test.fixture.toolchain"
#define FIXTURE_TOOLCHAIN "swift-0/clang-0.0.0 (another toolchain)"
#include "fixture_plugin.h"
