import AgentJSON

/// The on-disk form of one namespace:
/// `{"format":1,"namespace":"<ns>","entries":{"<key>":<value>,...}}`, keys sorted by UTF-8 bytes,
/// one entry per line so plant engineers can read and diff the file.
enum NamespaceFile {
    static let formatVersion = 1

    /// Sorts keys by their UTF-8 bytes (the order C callers see and the file uses).
    static func sortedKeys(_ keys: some Sequence<String>) -> [String] {
        keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The file contents for `entries`.
    static func encode(namespace: String, entries: [String: JSONValue]) -> [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: "{\"format\":\(formatVersion),\"namespace\":".utf8)
        JSONWriter.write(.string(namespace), into: &out)
        out.append(contentsOf: ",\"entries\":{".utf8)
        for (i, key) in sortedKeys(entries.keys).enumerated() {
            out.append(contentsOf: (i == 0 ? "\n  " : ",\n  ").utf8)
            JSONWriter.write(.string(key), into: &out)
            out.append(UInt8(ascii: ":"))
            if let value = entries[key] { JSONWriter.write(value, into: &out) }
        }
        out.append(contentsOf: (entries.isEmpty ? "}}\n" : "\n}}\n").utf8)
        return out
    }

    /// The entries stored in `bytes`, read from `path` for namespace `namespace`.
    /// - Throws: ``StoreError/Code/corrupt`` when the bytes are not a valid file for this namespace.
    static func decode(_ bytes: [UInt8], namespace: String, path: String) throws(StoreError) -> [String: JSONValue] {
        func corrupt(_ why: String) -> StoreError {
            StoreError(
                code: .corrupt,
                message: "namespace file is unreadable (\(why)); it was left untouched: repair it by hand, "
                    + "or move it away to start the namespace empty",
                path: path)
        }
        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            throw corrupt("invalid JSON: \(error)")
        }
        guard let obj = root.objectValue else { throw corrupt("top level is not an object") }
        guard obj["format"] == .number(Double(formatVersion)) else {
            throw corrupt("\"format\" is not \(formatVersion)")
        }
        guard obj["namespace"] == .string(namespace) else {
            throw corrupt("\"namespace\" is not \"\(namespace)\"")
        }
        guard let stored = obj["entries"]?.objectValue else { throw corrupt("\"entries\" is not an object") }
        var entries: [String: JSONValue] = [:]
        for (key, value) in stored.entries {
            do {
                try StoreValidation.key(key)
            } catch {
                throw corrupt("invalid key: \(error.message)")
            }
            entries[key] = value
        }
        return entries
    }
}
