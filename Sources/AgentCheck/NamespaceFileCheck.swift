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

    /// The records a plugin set aside as unreadable: every `quarantine/<key>` entry of a valid
    /// namespace file, with the key it came from and the reason the plugin stored
    /// (`{"key", "reason", "value", "at"}`, see docs/runtime-containers.md). Empty when the file
    /// is not valid (``problem(_:namespace:)`` reports that).
    static func quarantined(_ bytes: [UInt8]) -> [(key: String, reason: String)] {
        // harmless: an unparsable file is reported by problem(_:namespace:); it has no quarantine to list
        guard let entries = (try? JSONParser.parse(bytes))?.objectValue?["entries"]?.objectValue else { return [] }
        return entries.keys.sorted().filter { $0.hasPrefix(quarantinePrefix) }.map { key in
            let record = entries[key]?.objectValue
            let from = record?["key"]?.stringValue ?? String(key.dropFirst(quarantinePrefix.count))
            return (from, record?["reason"]?.stringValue ?? "no reason recorded")
        }
    }

    /// Where plugins put records they cannot read (a convention, not a store feature).
    static let quarantinePrefix = "quarantine/"
}
