// Ops tests: packaging, installer, check, upgrade (one folder each).
