/* fixture ABIMajor2: see FixtureKit/include/fixture_plugin.h */
