import AgentJSON

/// The durable store's namespace file format, checked read-only: the same rules the store
/// applies when it loads a namespace (`{"format":1,"namespace":"<name>","entries":{…}}`, see
/// AgentStore's NamespaceFile), so a file that fails here is one the agent reports `corrupt`.
enum NamespaceFileCheck {
    /// Why `bytes` is not a valid file for `namespace`, or nil when it is.
    static func problem(_ bytes: [UInt8], namespace: String) -> String? {
        let root: JSONValue
        do { root = try JSONParser.parse(bytes) } catch { return "invalid JSON: \(error)" }
        guard let object = root.objectValue else { return "the top level is not an object" }
        guard object["format"] == .number(1) else { return "\"format\" is not 1" }
        guard object["namespace"] == .string(namespace) else { return "\"namespace\" is not \"\(namespace)\"" }
        guard let entries = object["entries"]?.objectValue else { return "\"entries\" is not an object" }
        for key in entries.keys where key.isEmpty || key.utf8.count > 1024 || key.utf8.contains(0) {
            return "invalid key \"\(key.prefix(40))\""
        }
        return nil
    }
}
