/* fixture InitFails: see FixtureKit/include/fixture_plugin.h */
