import AgentJSON

/// The answer of the `get_host_interfaces` topic (spec §2.6), built from the ``InterfaceCache``.
///
/// `{"status": "success", "interfaces": [...]}` sorted by name; each item:
/// `{"name", "ip_address" (first non-127 IPv4 or null), "ipv4_addresses": [String],
///   "mac_address" (from the cache; upstream always sent null), "subnet"/"gateway" (only when
///   `detailed`; null when unknown), "dedicated_to" (the vPLC a NIC is dedicated to),
///   "dedicated_only": true (only for an ethernet with no IPv4)}`. NICs now moved into a vPLC
///   (absent from the host) are listed too, with empty addresses and their `dedicated_to`.
/// Virtual interfaces are left out unless `include_virtual`. Interfaces that are down are listed
/// with empty addresses (a NIC without carrier can still be chosen as a parent or dedicated NIC).
public enum HostInterfacesReport {
    /// The upstream error text for an empty cache (verbatim).
    public static let emptyCacheMessage =
        "Network interface cache is empty. The netmon sidecar may not be running or has not yet discovered interfaces."

    /// The topic's options, with upstream's defaults.
    public struct Options: Sendable, Equatable {
        /// List virtual interfaces too. Default false.
        public var includeVirtual: Bool
        /// Add `subnet` and `gateway`. Default true.
        public var detailed: Bool

        public init(includeVirtual: Bool = false, detailed: Bool = true) {
            self.includeVirtual = includeVirtual
            self.detailed = detailed
        }

        /// Reads `include_virtual` and `detailed` from a message; absent, null or non-boolean
        /// values take the default (the topic's contract has already refused non-booleans).
        public init(message: JSONObject) {
            self.init(
                includeVirtual: message["include_virtual"]?.boolValue ?? false,
                detailed: message["detailed"]?.boolValue ?? true)
        }
    }

    /// Builds the answer.
    /// - Throws: ``NetmonCacheError`` `interface_cache_empty` (message: ``emptyCacheMessage``)
    ///   when the cache holds no interface at all.
    public static func build(from cache: InterfaceCache, options: Options) throws(NetmonCacheError) -> JSONObject {
        guard !cache.isEmpty else { throw NetmonCacheError(.cacheEmpty, emptyCacheMessage) }
        var items = cache.sorted.filter { options.includeVirtual || !$0.isVirtual }.map { entry in
            var o = item(entry, detailed: options.detailed)
            if let owner = cache.dedicated[entry.name] { o["dedicated_to"] = .string(owner) }
            return o
        }
        for (name, owner) in cache.dedicated where cache[name] == nil {
            var o: JSONObject = [
                "name": .string(name), "ip_address": .null, "ipv4_addresses": [], "mac_address": .null,
            ]
            if options.detailed {
                o["subnet"] = .null
                o["gateway"] = .null
            }
            o["dedicated_to"] = .string(owner)
            items.append(o)
        }
        items.sort { ($0["name"]?.stringValue ?? "") < ($1["name"]?.stringValue ?? "") }
        return ["status": "success", "interfaces": .array(items.map { .object($0) })]
    }

    /// One interface of the answer.
    public static func item(_ entry: InterfaceEntry, detailed: Bool) -> JSONObject {
        var o: JSONObject = [
            "name": .string(entry.name),
            "ip_address": entry.primaryAddress.map { .string($0.address) } ?? .null,
            "ipv4_addresses": .array(entry.addresses.map { .string($0.address) }),
            "mac_address": entry.macAddress.map { .string($0) } ?? .null,
        ]
        if detailed {
            o["subnet"] = entry.addresses.first.map { .string($0.subnet) } ?? .null
            o["gateway"] = entry.gateway.map { .string($0) } ?? .null
        }
        if entry.type == "ethernet", entry.addresses.isEmpty { o["dedicated_only"] = true }
        return o
    }
}
