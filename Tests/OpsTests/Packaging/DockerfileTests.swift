import AgentJSON
import Foundation
import LabSupport
import Testing

/// The Dockerfile read as text, for its consistency with the layout script: the stages exist,
/// every COPY names a path the layout script writes and puts it at the same path in the image,
/// and the runtime stage copies every file of the layout's MANIFEST. (It is also built for real,
/// from prebuilt layouts: DockerfileImageLabTests in AgentCoreTests.)
struct Dockerfile {
    struct Instruction {
        let stage: String
        let keyword: String
        let arguments: String
    }

    let instructions: [Instruction]
    /// Stage name → the image it starts from.
    let stages: [String: String]

    init(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var logical: [String] = []
        var pending = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if pending.isEmpty && (line.isEmpty || line.hasPrefix("#")) { continue }
            if line.hasPrefix("#") { continue }  // a comment inside a continued instruction
            if line.hasSuffix("\\") {
                pending += line.dropLast() + " "
            } else {
                logical.append(pending + line)
                pending = ""
            }
        }
        var stage = ""
        var instructions: [Instruction] = []
        var stages: [String: String] = [:]
        for line in logical {
            let keyword = String(line.prefix { !$0.isWhitespace }).uppercased()
            let arguments = line.dropFirst(keyword.count).trimmingCharacters(in: .whitespaces)
            if keyword == "FROM" {
                let words = arguments.split(separator: " ").map(String.init)
                if words.count == 3, words[1].uppercased() == "AS" {
                    stage = words[2]
                    stages[stage] = words[0]
                } else {
                    stage = ""
                }
            }
            instructions.append(Instruction(stage: stage, keyword: keyword, arguments: arguments))
        }
        self.instructions = instructions
        self.stages = stages
    }

    func instructions(_ keyword: String, in stage: String) -> [Instruction] {
        instructions.filter { $0.stage == stage && $0.keyword == keyword }
    }

    /// A COPY's flags, sources and destination.
    static func copy(_ arguments: String) -> (flags: [String], sources: [String], destination: String) {
        let words = arguments.split(separator: " ").map(String.init)
        let flags = words.prefix { $0.hasPrefix("--") }
        let rest = Array(words.dropFirst(flags.count))
        return (Array(flags), Array(rest.dropLast()), rest.last ?? "")
    }

    /// An exec-form instruction's argv (`["a", "b"]`).
    static func execForm(_ arguments: String) -> [String]? {
        guard let json = try? JSONParser.parse(arguments), let a = json.arrayValue else { return nil }
        let strings = a.compactMap(\.stringValue)
        return strings.count == a.count ? strings : nil
    }
}

@Suite(.requires(Packaging.productsBuilt, "the agent and the plugin products must be built"))
struct DockerfileTests {
    @Test func stagesAndCopiesMatchTheLayoutScript() async throws {
        let file = try Dockerfile(path: Packaging.dockerfile)
        let agent = try await DockerLab.blocking { try Packaging.agentLayout() }
        let netmon = try await DockerLab.blocking { try Packaging.netmonLayout() }
        let layouts = ["/out/agent/": agent, "/out/netmon/": netmon]

        // The stages, and the targets built on the runtime base (not the toolchain image).
        for stage in ["build", "runtime", "netmon"] { #expect(file.stages[stage] != nil, "no stage \(stage)") }
        #expect(file.stages["runtime"] == "${RUNTIME_IMAGE}" && file.stages["netmon"] == "${RUNTIME_IMAGE}")
        #expect(file.stages["build"] == "${SWIFT_IMAGE}")

        // The build stage makes both layouts with scripts/package-layout (one file list).
        let runs = file.instructions("RUN", in: "build").map(\.arguments).joined(separator: "\n")
        #expect(runs.contains("scripts/package-layout /out/agent "), "the build stage does not run package-layout /out/agent")
        #expect(runs.contains("scripts/package-layout --netmon /out/netmon "), "the build stage does not run package-layout --netmon")
        #expect(runs.contains("--version \"${VERSION}\""))
        // What it copies from the build context exists in a fresh clone (a glob such as
        // `Package.resolve[d]` may match nothing: Package.resolved is not committed).
        for copy in file.instructions("COPY", in: "build") {
            let c = Dockerfile.copy(copy.arguments)
            for s in c.sources where !s.contains("[") && !s.contains("*") {
                #expect(FileManager.default.fileExists(atPath: Packaging.packageRoot + "/" + s), "COPY \(s): not in the repository")
                let ignored = try Packaging.run(["sh", "-c", "cd \"$1\" && git check-ignore -q \"$2\" && echo ignored || true", "sh", Packaging.packageRoot, s])
                #expect(!ignored.contains("ignored"), "COPY \(s): ignored by git, so a fresh clone lacks it")
            }
        }
        // Packages are installed only when missing, so the same file builds where the base already
        // has them and there is no network (the lab engine, docs/ci-cd.md "Images built here").
        for stage in ["build", "runtime", "netmon"] {
            for run in file.instructions("RUN", in: stage) where run.arguments.contains("apt-get install") {
                #expect(run.arguments.contains("dpkg-query -W"), "\(stage): apt-get install without a check that the package is missing")
            }
        }
        // LAYOUT=prebuilt takes the layouts from the context's prebuilt/ and checks their MANIFESTs.
        #expect(file.instructions("COPY", in: "build").contains { Dockerfile.copy($0.arguments).sources.contains("prebuil[t]") })
        #expect(runs.contains("prebuilt)") && runs.contains("sha256sum --quiet -c"), "the build stage does not check prebuilt layouts")
        // The build context leaves out the build folders (gigabytes, host-specific products).
        let dockerignore = (try? String(contentsOfFile: Packaging.packageRoot + "/.dockerignore", encoding: .utf8)) ?? ""
        #expect(dockerignore.split(separator: "\n").contains(".build*"), ".dockerignore does not exclude .build*")

        // Every COPY --from=build names a path of a layout and keeps it at the same path.
        var copied: [String: [String]] = ["runtime": [], "netmon": []]
        for stage in ["runtime", "netmon"] {
            let copies = file.instructions("COPY", in: stage)
            #expect(!copies.isEmpty)
            for copy in copies {
                let c = Dockerfile.copy(copy.arguments)
                #expect(c.flags.contains("--from=build"), "\(stage): COPY \(copy.arguments) is not from the build stage")
                for source in c.sources {
                    guard let (prefix, layout) = layouts.first(where: { source.hasPrefix($0.key) }) else {
                        Issue.record("\(stage): COPY \(source) is not under /out/agent/ or /out/netmon/")
                        continue
                    }
                    let relative = String(source.dropFirst(prefix.count))
                    var isDir: ObjCBool = false
                    let exists = FileManager.default.fileExists(atPath: layout + "/" + relative, isDirectory: &isDir)
                    #expect(exists, "\(stage): COPY \(source): the layout script writes no \(relative)")
                    #expect(isDir.boolValue == relative.hasSuffix("/"), "\(stage): COPY \(source): file/folder mismatch")
                    #expect(c.destination == "/" + relative, "\(stage): COPY \(source) → \(c.destination), not /\(relative)")
                    copied[stage, default: []].append(relative)
                }
            }
        }
        // Complete: each MANIFEST file is copied (itself or a folder holding it), and the image
        // checks itself against the MANIFEST.
        for (stage, layout, manifest) in [("runtime", agent, Packaging.manifestPath), ("netmon", netmon, Packaging.netmonManifestPath)] {
            for path in try Packaging.manifest(layout, manifest).keys.sorted() {
                let covered = copied[stage, default: []].contains { $0 == path || ($0.hasSuffix("/") && path.hasPrefix($0)) }
                #expect(covered, "\(stage): \(path) of the layout is not copied into the image")
            }
            let runs = file.instructions("RUN", in: stage).map(\.arguments).joined(separator: "\n")
            #expect(runs.contains("sha256sum --quiet -c /\(manifest)"), "\(stage) does not check its MANIFEST")
        }
    }

    @Test func runtimeAndNetmonTargetsRunWhatTheLayoutHolds() async throws {
        let file = try Dockerfile(path: Packaging.dockerfile)
        let agent = try await DockerLab.blocking { try Packaging.agentLayout() }
        let agentManifest = try Packaging.manifest(agent, Packaging.manifestPath)

        // VERSION build arg → AGENT_VERSION in both images.
        for stage in ["runtime", "netmon"] {
            #expect(file.instructions("ARG", in: stage).contains { $0.arguments == "VERSION" }, "\(stage): no ARG VERSION")
            #expect(file.instructions("ENV", in: stage).contains { $0.arguments == "AGENT_VERSION=${VERSION}" }, "\(stage): no ENV AGENT_VERSION")
            #expect(!file.instructions("HEALTHCHECK", in: stage).isEmpty, "\(stage): no HEALTHCHECK")
        }

        // runtime: the agent, non-root, with the shipped config.
        let entry = file.instructions("ENTRYPOINT", in: "runtime").last.flatMap { Dockerfile.execForm($0.arguments) }
        #expect(entry == ["/usr/bin/orchestrator-agent"])
        let cmd = try #require(file.instructions("CMD", in: "runtime").last.flatMap { Dockerfile.execForm($0.arguments) })
        #expect(cmd == ["run", "--config", "/etc/orchestrator-agent/site.json"])
        #expect(agentManifest[String(cmd[2].dropFirst())] != nil, "\(cmd[2]) is not in the layout")
        let user = file.instructions("USER", in: "runtime").last?.arguments ?? "root"
        #expect(user != "root" && user != "0" && !user.hasPrefix("0:"), "the runtime image runs as root")
        // The agent's CLI accepts what the image runs (run --config).
        let help = try Packaging.run([agent + "/usr/bin/orchestrator-agent", "run", "--help"])
        #expect(help.contains("--config"))

        // netmon: root (netlink, setns), the static sidecar, the shipped busybox.
        #expect(file.instructions("USER", in: "netmon").last?.arguments == "root")
        #expect(file.instructions("ENTRYPOINT", in: "netmon").last.flatMap { Dockerfile.execForm($0.arguments) } == ["/usr/bin/autonomy-netmon"])
        let ncmd = try #require(file.instructions("CMD", in: "netmon").last.flatMap { Dockerfile.execForm($0.arguments) })
        if let i = ncmd.firstIndex(of: "--busybox") { #expect(ncmd[i + 1] == "/usr/bin/busybox") } else { Issue.record("netmon CMD has no --busybox") }
        // The sidecar lets the agent's uid in and gives its socket the agent's group.
        let runtimeRuns = file.instructions("RUN", in: "runtime").map(\.arguments).joined(separator: "\n")
        for (flag, option) in [("--agent-uid", "--uid"), ("--socket-group", "--gid")] {
            guard let i = ncmd.firstIndex(of: flag), i + 1 < ncmd.count else {
                Issue.record("netmon CMD has no \(flag)")
                continue
            }
            #expect(runtimeRuns.contains("\(option) \(ncmd[i + 1]) "), "netmon \(flag) \(ncmd[i + 1]), but the runtime's user is not made with \(option) \(ncmd[i + 1])")
        }
    }
}
