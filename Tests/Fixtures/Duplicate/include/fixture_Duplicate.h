/* fixture Duplicate: see FixtureKit/include/fixture_plugin.h */
