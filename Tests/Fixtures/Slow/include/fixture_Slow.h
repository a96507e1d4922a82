/* fixture Slow: see FixtureKit/include/fixture_plugin.h */
