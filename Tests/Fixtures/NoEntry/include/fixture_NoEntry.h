/* fixture NoEntry: see FixtureKit/include/fixture_plugin.h */
