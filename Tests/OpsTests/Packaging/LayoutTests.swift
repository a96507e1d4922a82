import AgentJSON
import Foundation
import LabSupport
import Testing

/// The shipped layout (scripts/package-layout) of the test build's products: what the agent
/// image holds, proven by running it from a folder with the Swift toolchain hidden.
@Suite(.requires(Packaging.productsBuilt, "the agent and the plugin products must be built"))
struct LayoutTests {
    @Test func pinnedConfigMatchesTheManifestAndTheFiles() async throws {
        let out = try await DockerLab.blocking { try Packaging.agentLayout() }
        let manifest = try Packaging.manifest(out, Packaging.manifestPath)
        let config = try Packaging.readJSON(out + "/etc/orchestrator-agent/site.json")
        let load = try #require(config.objectValue?["plugins"]?.objectValue?["load"]?.arrayValue)
        let paths = load.compactMap { $0.objectValue?["path"]?.stringValue }
        #expect(paths.sorted() == Packaging.pluginProducts.map { "\(Packaging.imagePluginDir)/lib\($0).so" }.sorted())
        #expect(config.objectValue?["state_dir"]?.stringValue == "/var/lib/orchestrator-agent")
        #expect(config.objectValue?["cloud"]?.objectValue?["host"]?.stringValue != nil)
        for entry in load {
            let e = try #require(entry.objectValue)
            let path = try #require(e["path"]?.stringValue)
            let pin = try #require(e["sha256"]?.stringValue)
            let relative = String(path.dropFirst())
            // Exists in the layout at its in-image path, matches its pin and the MANIFEST.
            #expect(FileManager.default.fileExists(atPath: out + path), "\(path) is missing from the layout")
            #expect(try Packaging.sha256(out + path) == pin, "\(path): file differs from its pin")
            #expect(manifest[relative] == pin, "\(path): MANIFEST \(manifest[relative] ?? "none") != pin \(pin)")
            // The loader's rules: a regular file (no symlink), not group/world-writable.
            let attrs = try FileManager.default.attributesOfItem(atPath: out + path)
            #expect(attrs[.type] as? FileAttributeType == .typeRegular, "\(path) is not a regular file")
            #expect(try Packaging.mode(out + path) & 0o022 == 0, "\(path) is group/world-writable")
        }
        // Both container drivers are shipped and pinned; Podman's is denied (Docker is the default).
        let ids = load.compactMap { $0.objectValue?["id"]?.stringValue }
        #expect(ids.contains("io.autonomy.docker") && ids.contains("io.autonomy.podman"), "\(ids)")
        #expect(paths.contains(Packaging.imagePluginDir + "/libagent-podman.so"), "\(paths)")
        let deny = config.objectValue?["plugins"]?.objectValue?["deny"]?.arrayValue?.compactMap(\.stringValue)
        #expect(deny == Packaging.disabledPlugins, "plugins.deny: \(String(describing: deny))")
        // The installer's copy of the pins is a default site's load (the disabled plugins left
        // out), pinning the same bytes; the local config pins them all, with the same deny list.
        let pins = try Packaging.readJSON(out + "/usr/lib/orchestrator-agent/pins.json")
        #expect(pins.arrayValue == load.filter { !Packaging.disabledPlugins.contains($0.objectValue?["id"]?.stringValue ?? "") })
        let local = try Packaging.readJSON(out + "/etc/orchestrator-agent/site.local.json")
        let localLoad = try #require(local.objectValue?["plugins"]?.objectValue?["load"]?.arrayValue)
        #expect(localLoad.map { $0.objectValue?["sha256"] } == load.map { $0.objectValue?["sha256"] })
        #expect(localLoad.allSatisfy { $0.objectValue?["path"]?.stringValue?.hasPrefix(out + Packaging.imagePluginDir + "/") == true })
        #expect(local.objectValue?["plugins"]?.objectValue?["deny"] == config.objectValue?["plugins"]?.objectValue?["deny"])
        // The MANIFEST covers the layout, every file matches it, and it never lists the local config.
        try Packaging.run(["sh", "-c", "cd \"$1\" && sha256sum --quiet -c \"$2\"", "sh", out, Packaging.manifestPath])
        #expect(manifest.keys.contains("usr/bin/orchestrator-agent"))
        #expect(manifest.keys.contains("etc/orchestrator-agent/site.json"))
        #expect(!manifest.keys.contains("etc/orchestrator-agent/site.local.json"))
        #expect(manifest.keys.contains { $0.hasPrefix("usr/lib/orchestrator-agent/swift/libswiftCore.so") })
        // Full Foundation and ICU stay out: nothing shipped needs them (FoundationFreeTests).
        let foundation = manifest.keys.filter { path in FoundationLinks.forbidden.contains { path.hasSuffix("/" + $0) } }
        #expect(foundation.isEmpty, "the layout ships \(foundation.sorted())")
        #expect(manifest.keys.contains("usr/lib/orchestrator-agent/swift/libFoundationEssentials.so"))
        // Folders up to the plugins: not group/world-writable.
        for dir in ["", "/usr", "/usr/lib", "/usr/lib/orchestrator-agent", "/usr/lib/orchestrator-agent/plugins"] {
            #expect(try Packaging.mode(out + dir) & 0o022 == 0, "\(out + dir) is group/world-writable")
        }
    }

    /// Every plugin loads from the folder with only the shipped Swift libraries: the toolchain
    /// folder is hidden under a tmpfs in a private mount namespace. Under the shipped config the
    /// disabled plugins are refused as denied; with the deny list emptied every one loads.
    @Test(.requires(Packaging.canHideToolchain, "needs root and the toolchain's folder"))
    func everyPluginLoadsWithTheShippedLibrariesOnly() async throws {
        let out = try await DockerLab.blocking { try Packaging.agentLayout() }
        let toolchain = try #require(Packaging.toolchainRoot)
        let local = out + "/etc/orchestrator-agent/site.local.json"
        var allowAll = try #require(try Packaging.readJSON(local).objectValue)
        var plugins = try #require(allowAll["plugins"]?.objectValue)
        plugins["deny"] = []
        allowAll["plugins"] = .object(plugins)
        let allowAllPath = Installer.scratch("allow-all") + "/site.json"
        try FileManager.default.createDirectory(atPath: (allowAllPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(JSONWriter.bytes(.object(allowAll))).write(to: URL(fileURLWithPath: allowAllPath))
        let script = """
            mount -t tmpfs tmpfs "$1" || exit 90
            test ! -e "$1/lib/swift/linux/libswiftCore.so" || exit 91
            "$2/usr/bin/orchestrator-agent" plugins list --config "$3" --json || exit 92
            echo '@@@'
            exec "$2/usr/bin/orchestrator-agent" plugins list --config "$4" --json
            """
        let stdout = try await DockerLab.blocking {
            try Packaging.run(["unshare", "-m", "sh", "-c", script, "sh", toolchain, out, local, allowAllPath], timeout: 120)
        }
        let parts = stdout.components(separatedBy: "@@@\n")
        try #require(parts.count == 2, "\(stdout)")
        let shipped = try #require(try JSONParser.parse(parts[0]).arrayValue)
        #expect(shipped.count == Packaging.pluginProducts.count)
        for p in shipped {
            let o = try #require(p.objectValue)
            let want = Packaging.shippedState(o["id"]?.stringValue ?? "?")
            #expect(
                o["state"]?.stringValue == want.state && o["reason"]?.stringValue == want.reason,
                "\(o["id"]?.stringValue ?? "?"): \(o["state"]?.stringValue ?? "?") \(o["reason"]?.stringValue ?? "")")
        }
        let all = try #require(try JSONParser.parse(parts[1]).arrayValue)
        #expect(all.count == Packaging.pluginProducts.count)
        for p in all {
            let o = try #require(p.objectValue)
            #expect(o["state"]?.stringValue == "loaded", "\(o["id"]?.stringValue ?? "?"): \(o["state"]?.stringValue ?? "?")")
        }
        let podman = all.compactMap(\.objectValue).first { $0["id"] == "io.autonomy.podman" }
        #expect(podman?["registrations"]?.arrayValue?.contains("agent.container_driver/io.autonomy.podman") == true, "\(String(describing: podman))")
    }

    /// ldd of every shipped ELF (toolchain hidden) resolves each library inside the layout or in
    /// the base system, and the base system's part comes from packages debian:bookworm-slim has.
    @Test(.requires(Packaging.canHideToolchain, "needs root and the toolchain's folder"))
    func everyLibraryResolvesInTheLayoutOrTheBaseSystem() async throws {
        let out = try await DockerLab.blocking { try Packaging.agentLayout() }
        let toolchain = try #require(Packaging.toolchainRoot)
        let elves = try Packaging.manifest(out, Packaging.manifestPath).keys.sorted().filter { Packaging.isELF(out + "/" + $0) }
        #expect(elves.count >= Packaging.pluginProducts.count + 5)
        // Plugins have no run path of their own: in the agent they resolve through the
        // executable's DT_RPATH, which ldd on a lone plugin cannot see; it gets the same folder.
        let script = """
            mount -t tmpfs tmpfs "$1" || exit 90
            out="$2"; shift 2
            for f in "$@"; do echo "== $f"; LD_LIBRARY_PATH="$out/usr/lib/orchestrator-agent/swift" ldd "$out/$f" || exit 92; done
            """
        let stdout = try await DockerLab.blocking {
            try Packaging.run(["unshare", "-m", "sh", "-c", script, "sh", toolchain, out] + elves, timeout: 120)
        }
        #expect(!stdout.contains("not found"), "unresolved: \(stdout)")
        var system = Set<String>()
        var file = ""
        for line in stdout.split(separator: "\n").map(String.init) {
            if line.hasPrefix("== ") { file = String(line.dropFirst(3)); continue }
            let parts = line.split(separator: " ").map(String.init)
            let path: String
            if let arrow = parts.firstIndex(of: "=>"), arrow + 1 < parts.count {
                path = parts[arrow + 1]
            } else if let first = parts.first, first.hasPrefix("/") {
                path = first  // the dynamic loader
            } else {
                continue  // linux-vdso
            }
            if path.hasPrefix(out + "/") { continue }
            #expect(["/lib/", "/lib64/", "/usr/lib/"].contains { path.hasPrefix($0) }, "\(file): \(path) is outside the layout and the base system")
            #expect(!path.hasPrefix(toolchain), "\(file): \(path) comes from the toolchain")
            system.insert(path)
        }
        // The base system part: only what debian:bookworm-slim carries (glibc, libgcc, libstdc++).
        let slim: Set<String> = ["libc6", "libgcc-s1", "libstdc++6", "zlib1g"]
        for path in system.sorted() {
            let owner = try Packaging.run(["sh", "-c", "dpkg -S \"$1\" 2>/dev/null || dpkg -S \"$(realpath \"$1\")\"", "sh", path])
            let package = String(owner.split(separator: ":").first ?? "")
            #expect(slim.contains(package), "\(path) comes from \(package), which debian:bookworm-slim lacks")
        }
    }

    @Test func theExecutableFindsTheShippedRuntimeThroughItsRpath() async throws {
        let out = try await DockerLab.blocking { try Packaging.agentLayout() }
        let exe = try Packaging.run(["readelf", "-d", out + "/usr/bin/orchestrator-agent"])
        #expect(exe.contains("(RPATH)") && exe.contains("[$ORIGIN/../lib/orchestrator-agent/swift]"), "\(exe)")
        #expect(!exe.contains("(RUNPATH)"))
        for p in Packaging.pluginProducts {
            let d = try Packaging.run(["readelf", "-d", out + Packaging.imagePluginDir + "/lib\(p).so"])
            #expect(!d.contains("RPATH") && !d.contains("RUNPATH"), "lib\(p).so keeps a run path")
        }
        // --version runs from the layout and honours AGENT_VERSION (the image sets it).
        let v = try Packaging.run(["env", "AGENT_VERSION=7.7.7-test", out + "/usr/bin/orchestrator-agent", "--version"])
        #expect(v.trimmingCharacters(in: .whitespacesAndNewlines) == "7.7.7-test")
    }
}

/// The netmon layout: the sidecar linked with --static-swift-stdlib and busybox with udhcpc.
@Suite(.labThreads) struct NetmonLayoutTests {
    @Test(.timeLimit(.minutes(30)))
    func sidecarNeedsNoSwiftLibraryAndBusyboxHasUdhcpc() async throws {
        let out = try await DockerLab.blocking { try Packaging.netmonLayout() }
        let needed = try Packaging.run(["readelf", "-d", out + "/usr/bin/autonomy-netmon"])
            .split(separator: "\n").filter { $0.contains("(NEEDED)") }
        #expect(!needed.isEmpty, "autonomy-netmon should still be dynamically linked against glibc")
        for line in needed {
            #expect(!["swift", "Foundation", "dispatch", "BlocksRuntime", "ICU"].contains { line.contains($0) }, "\(line)")
        }
        let busybox = out + "/usr/bin/busybox"
        let applets = Set(try Packaging.run([busybox, "--list"]).split(separator: "\n").map(String.init))
        for a in ["udhcpc", "ip", "sed", "tr", "awk", "date", "test", "nsenter"] {
            #expect(applets.contains(a), "busybox lacks \(a)")
        }
        #expect(!(try Packaging.run(["readelf", "-d", busybox])).contains("(NEEDED)"), "busybox is not static")
        try Packaging.run(["sh", "-c", "cd \"$1\" && sha256sum --quiet -c \"$2\"", "sh", out, Packaging.netmonManifestPath])
        let manifest = try Packaging.manifest(out, Packaging.netmonManifestPath)
        #expect(Set(manifest.keys) == ["usr/bin/autonomy-netmon", "usr/bin/busybox", "usr/lib/autonomy-netmon/VERSION"])
        // The sidecar starts from the layout: --help lists the flags the Dockerfile's CMD uses.
        let help = try Packaging.run([out + "/usr/bin/autonomy-netmon", "--help"])
        for flag in ["--state-dir", "--busybox", "--agent-uid", "--socket-group"] {
            #expect(help.contains(flag), "autonomy-netmon --help lacks \(flag)")
        }
    }
}
