/* fixture Toolchain: see FixtureKit/include/fixture_plugin.h */
