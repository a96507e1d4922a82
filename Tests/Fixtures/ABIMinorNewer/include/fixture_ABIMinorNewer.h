/* fixture ABIMinorNewer: see FixtureKit/include/fixture_plugin.h */
