/* fixture BadMagic: see FixtureKit/include/fixture_plugin.h */
