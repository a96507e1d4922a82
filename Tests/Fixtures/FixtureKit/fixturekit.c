/* FixtureKit is header-only (include/fixture_plugin.h); this file lets SwiftPM build the target. */
int fixturekit_placeholder(void) { return 0; }
