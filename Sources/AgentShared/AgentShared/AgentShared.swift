/// The shared library's own module: it holds no code of its own beyond this marker. Its purpose is
/// the link: the modules listed in `Sources/AgentShared/Package.swift` live once in
/// `libAgentShared.so`, and every image of the agent's process that imports them uses that copy.
public enum AgentShared {
    /// The library's file name (`ldd`, the shipped layout, the duplicate-symbol test).
    public static let libraryName = "libAgentShared.so"
}
