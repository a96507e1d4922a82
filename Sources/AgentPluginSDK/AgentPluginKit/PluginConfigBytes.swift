import AgentJSON
import CAgentABI

/// Reads the `plugin_config_json` the host hands to `init`: always a JSON object (`{}` when the
/// site-config entry has no `config`). Anything else fails the plugin's `init` with a typed error
/// instead of starting the plugin on defaults it was not configured with.
enum PluginConfigBytes {
    /// The config object, or a ``PluginError`` (`invalid_argument`, code `bad_config`, field
    /// `config`) that says what was wrong with the bytes.
    static func object(_ bytes: [UInt8]) -> Result<JSONObject, PluginError> {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch {
            return .failure(
                PluginError(
                    status: Int32(AGENT_E_INVALID_ARGUMENT), code: "bad_config",
                    message: "the plugin config is not JSON (\(error)); the host must pass the entry's `config` object, or {}",
                    field: "config"))
        }
        guard let object = value.objectValue else {
            return .failure(
                PluginError(
                    status: Int32(AGENT_E_INVALID_ARGUMENT), code: "bad_config",
                    message: "the plugin config is JSON but not an object; the site-config entry's `config` must be an object",
                    field: "config"))
        }
        return .success(object)
    }
}
