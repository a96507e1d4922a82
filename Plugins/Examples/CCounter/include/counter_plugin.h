/* The C example plugin exports only agent_plugin_entry_v1 (declared in agent_plugin.h). */
