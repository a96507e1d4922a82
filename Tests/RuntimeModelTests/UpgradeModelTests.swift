import AgentJSON
import RuntimeModel
import Testing

@Suite("self-upgrade model")
struct UpgradeModelTests {
    static let id = String(repeating: "ab", count: 32)

    @Test("the own container id comes from the engine's /etc/hostname bind mount")
    func selfContainer() {
        let mountinfo = """
            612 556 0:56 / / rw,relatime master:300 - overlay overlay rw,lowerdir=/x
            630 612 259:1 /tmp/agent-docker-lab-42/data/containers/\(Self.id)/resolv.conf /etc/resolv.conf rw - ext4 /dev/root rw
            631 612 259:1 /tmp/agent-docker-lab-42/data/containers/\(Self.id)/hostname /etc/hostname rw - ext4 /dev/root rw
            """
        #expect(SelfContainer.id(mountinfo: mountinfo) == Self.id)
        // Not in a container: no engine mount.
        #expect(SelfContainer.id(mountinfo: "22 1 259:1 / / rw - ext4 /dev/root rw\n") == nil)
        // A path that merely mentions containers, on another mount point, does not count.
        #expect(SelfContainer.id(mountinfo: "40 22 259:1 /srv/containers/\(Self.id) /data rw - ext4 /dev/root rw") == nil)
        // A short or non-hex component is not an id.
        #expect(SelfContainer.id(mountinfo: "40 22 259:1 /var/lib/docker/containers/abc/hostname /etc/hostname rw - ext4 x rw") == nil)
    }

    @Test("requests: message first, then the site, deadline bounds")
    func request() throws {
        let r = try UpgradeRequest(
            message: ["image": .string("orchestrator-agent@sha256:\(Self.id)"), "deadline_s": 20], siteImage: "a:1", siteNetmonImage: nil,
            siteDeadline: nil)
        #expect(r.image == "orchestrator-agent@sha256:\(Self.id)")
        #expect(r.deadlineSeconds == 20)
        let d = try UpgradeRequest(message: [:], siteImage: "a:1", siteNetmonImage: "n:1", siteDeadline: 90)
        #expect(d.image == "a:1")
        #expect(d.netmonImage == "n:1")
        #expect(d.deadlineSeconds == 90)
        #expect(try UpgradeRequest(message: [:], siteImage: nil, siteNetmonImage: nil, siteDeadline: nil).deadlineSeconds == 120)
        let cases: [(JSONObject, String, String)] = [
            (["deadline_s": 9], "invalid_deadline", "deadline_s"), (["deadline_s": 601], "invalid_deadline", "deadline_s"),
            (["deadline_s": 20.5], "invalid_deadline", "deadline_s"), (["image": "a b"], "invalid_image", "image"),
            (["image": ""], "invalid_image", "image"), (["image": "-x"], "invalid_image", "image"),
            (["image": 3], "invalid_image", "image"), (["netmon_image": "n m"], "invalid_image", "netmon_image"),
        ]
        for (bad, code, field) in cases {
            do {
                _ = try UpgradeRequest(message: bad, siteImage: nil, siteNetmonImage: nil, siteDeadline: nil)
                Issue.record("accepted \(bad)")
            } catch {
                #expect(error.code == code, "\(bad)")
                #expect(error.field == field, "\(bad)")
            }
        }
    }

    @Test("the upgrader: new image, the agent's mounts, host network, the helper's command line")
    func upgraderPlan() {
        let plan = UpgraderPlan(
            agentID: Self.id, agentName: "orchestrator_agent", groupAdd: ["999"], image: "orchestrator-agent:2",
            deadlineSeconds: 30, stateDirectory: "/var/lib/orchestrator-agent", configPath: "/etc/orchestrator-agent/site.json",
            operationID: "17-1")
        let p = plan.createParams
        #expect(p["name"] == "orchestrator_upgrader")
        #expect(p["image"] == "orchestrator-agent:2")
        #expect(p["user"] == "0")
        #expect(p["labels"] == ["io.autonomy.role": "upgrader"])
        #expect(p["networks"] == [["network": "host"]])
        #expect(p["host_config"] == ["VolumesFrom": [.string(Self.id)], "RestartPolicy": ["Name": "no"], "GroupAdd": ["999"]])
        #expect(
            p["cmd"]
                == [
                    "upgrade-helper", "--target", "orchestrator_agent", "--image", "orchestrator-agent:2", "--deadline", "30",
                    "--state-dir", "/var/lib/orchestrator-agent", "--operation-id", "17-1", "--agent-config",
                    "/etc/orchestrator-agent/site.json",
                ])
        var withConfig = plan
        withConfig.siteConfigSource = UpgraderPlan.siteConfigSource(
            configPath: "/etc/orchestrator-agent/site.json",
            mounts: [
                ["type": "bind", "source": "/srv/state", "destination": "/var/lib/orchestrator-agent"],
                ["type": "bind", "source": "/etc", "destination": "/etc"],
                ["type": "bind", "source": "/srv/oa-config", "destination": "/etc/orchestrator-agent"],
            ])
        #expect(withConfig.command.suffix(2) == ["--site-config", "/run/upgrade/site-config/site.json"])
        #expect(withConfig.createParams["host_config"]?.objectValue?["Binds"] == ["/srv/oa-config:/run/upgrade/site-config"])
        #expect(
            UpgraderPlan.siteConfigSource(
                configPath: "/cfg/site.json", mounts: [["type": "volume", "name": "cfgvol", "source": "/x", "destination": "/cfg"]])?
                .source == "cfgvol")
        // The image's own config (no mount) and a single-file mount (cannot be replaced atomically) are left alone.
        #expect(UpgraderPlan.siteConfigSource(configPath: "/etc/orchestrator-agent/site.json", mounts: []) == nil)
        #expect(
            UpgraderPlan.siteConfigSource(
                configPath: "/etc/a.json", mounts: [["type": "bind", "source": "/srv/a.json", "destination": "/etc/a.json"]]) == nil)
        var withNetmon = plan
        withNetmon.netmonImage = "autonomy-netmon:2"
        withNetmon.netmonContainer = "autonomy_netmon"
        #expect(withNetmon.command.suffix(4) == ["--netmon-image", "autonomy-netmon:2", "--netmon-container", "autonomy_netmon"])
    }

    @Test("the helper's last.json becomes one operation_update for __orchestrator__")
    func outcome() throws {
        let rolled = try #require(
            UpgradeOutcome(
                json: [
                    "schema": 1, "result": "rolled_back", "operation_id": "17-1", "from": "a:2", "to": "a:bad", "seconds": 21.5,
                    "code": "health_deadline", "reason": "not healthy within 20 s", "started_at": "t0", "finished_at": "t1",
                ]))
        let e = rolled.updateEvent(newID: "99-9")
        #expect(e["device_id"] == "__orchestrator__")
        #expect(e["operation"] == "upgrade")
        #expect(e["operation_id"] == "17-1")
        #expect(e["status"] == "rolled_back")
        #expect(e["code"] == "health_deadline")
        #expect(e["error"] == "not healthy within 20 s")
        #expect(e["from"] == "a:2")
        #expect(e["to"] == "a:bad")
        #expect(e["seconds"] == 21.5)
        #expect(e["step"] == "rolled_back")
        let ok = try #require(UpgradeOutcome(json: ["schema": 1, "result": "succeeded", "from": "a:1", "to": "a:2"]))
        #expect(ok.error == nil)
        #expect(ok.record(newID: "99-9").id == "99-9")
        #expect(ok.record(newID: "99-9").state == .succeeded)
        #expect(UpgradeOutcome(json: ["schema": 2, "result": "succeeded"]) == nil)
        #expect(UpgradeOutcome(json: ["schema": 1, "result": "running"]) == nil)
    }

    @Test("image references")
    func references() {
        for good in ["orchestrator-agent:lab-v2", "ghcr.io/autonomy-logic/orchestrator-agent:latest", "sha256:\(Self.id)", "a@sha256:\(Self.id)"] {
            #expect(Naming.isValidImageReference(good), "\(good)")
        }
        for bad in ["", " a", "a b", ":x", "a;rm", String(repeating: "a", count: 256)] {
            #expect(!Naming.isValidImageReference(bad), "\(bad)")
        }
    }
}
