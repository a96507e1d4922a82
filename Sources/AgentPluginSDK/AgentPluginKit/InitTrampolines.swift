import CAgentABI

/// A descriptor's C `init`.
typealias InitFunction = @convention(c) (
    UnsafePointer<agent_host_api>?, agent_bytes, UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<agent_owned_bytes>?
) -> Int32

/// One `init` per export slot (``ExportedPlugins``): a C function pointer carries no context, so
/// slot k's function is the one that builds the plugin exported k-th. 32 Swift plugins per copy
/// of the SDK; a 33rd is refused at init with `too_many_plugins`.
let initTrampolines: [InitFunction] = [
    { initExported(0, $0, $1, $2, $3) },
    { initExported(1, $0, $1, $2, $3) },
    { initExported(2, $0, $1, $2, $3) },
    { initExported(3, $0, $1, $2, $3) },
    { initExported(4, $0, $1, $2, $3) },
    { initExported(5, $0, $1, $2, $3) },
    { initExported(6, $0, $1, $2, $3) },
    { initExported(7, $0, $1, $2, $3) },
    { initExported(8, $0, $1, $2, $3) },
    { initExported(9, $0, $1, $2, $3) },
    { initExported(10, $0, $1, $2, $3) },
    { initExported(11, $0, $1, $2, $3) },
    { initExported(12, $0, $1, $2, $3) },
    { initExported(13, $0, $1, $2, $3) },
    { initExported(14, $0, $1, $2, $3) },
    { initExported(15, $0, $1, $2, $3) },
    { initExported(16, $0, $1, $2, $3) },
    { initExported(17, $0, $1, $2, $3) },
    { initExported(18, $0, $1, $2, $3) },
    { initExported(19, $0, $1, $2, $3) },
    { initExported(20, $0, $1, $2, $3) },
    { initExported(21, $0, $1, $2, $3) },
    { initExported(22, $0, $1, $2, $3) },
    { initExported(23, $0, $1, $2, $3) },
    { initExported(24, $0, $1, $2, $3) },
    { initExported(25, $0, $1, $2, $3) },
    { initExported(26, $0, $1, $2, $3) },
    { initExported(27, $0, $1, $2, $3) },
    { initExported(28, $0, $1, $2, $3) },
    { initExported(29, $0, $1, $2, $3) },
    { initExported(30, $0, $1, $2, $3) },
    { initExported(31, $0, $1, $2, $3) },
]

/// The `init` of a plugin exported when every slot was taken.
let initOverflow: InitFunction = { _, _, _, outError in
    let e = PluginError(status: Int32(AGENT_E_INTERNAL), code: "too_many_plugins", message: "more than \(initTrampolines.count) Swift plugins share one copy of the plugin SDK")
    outError?.pointee = Bytes.owned(e.json)
    return e.status
}
