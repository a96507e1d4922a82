import AgentJSON
import Testing

@testable import DockerEngine

/// How the Docker upgrader recreates the agent's container on a new image (``ContainerRecreation``):
/// what the container was given is carried, what its old image gave is not.
@Suite("Docker upgrader: recreation parameters")
struct ContainerRecreationTests {
    @Test("recreation keeps what the container was given, drops what its old image gave")
    func recreation() {
        let container: JSONObject = [
            "name": "orchestrator_agent", "image": "agent:1", "labels": ["site": "a", "org.opencontainers.image.version": "1"],
            "config": [
                "cmd": ["run", "--config", "/etc/x.json"], "entrypoint": ["/usr/bin/orchestrator-agent"],
                "env": ["PATH=/bin", "AGENT_VERSION=1.0.0", "SITE=lab"],
            ],
            "host_config": [
                "network_mode": "host", "binds": ["/srv/state:/var/lib/orchestrator-agent", "/srv/certs:/certs:ro"],
                "mounts": [["Type": "bind", "Source": "/run/docker.sock", "Target": "/var/run/docker.sock"]],
                "group_add": ["999"], "privileged": false, "pid_mode": "", "restart_policy": "always", "cap_add": [], "dns": [],
                "ulimits": [],
            ],
            "networks": ["host": [:]],
            "mounts": [
                ["type": "bind", "source": "/srv/state", "destination": "/var/lib/orchestrator-agent", "rw": true],
                ["type": "volume", "name": "anon1", "destination": "/data", "rw": true],
                ["type": "volume", "name": "shared", "destination": "/var/lib/orchestrator-agent", "rw": true],
            ],
        ]
        let oldImage: JSONObject = [
            "cmd": ["run", "--config", "/etc/orchestrator-agent/site.json"], "entrypoint": ["/usr/bin/orchestrator-agent"],
            "env": ["PATH=/bin", "AGENT_VERSION=1.0.0"], "labels": ["org.opencontainers.image.version": "1"],
        ]
        let p = ContainerRecreation.createParams(container: container, oldImageConfig: oldImage, image: "agent:2")
        #expect(p["name"] == "orchestrator_agent")
        #expect(p["image"] == "agent:2")
        #expect(p["labels"] == ["site": "a"])
        #expect(p["env"] == ["SITE=lab"])  // the new image's AGENT_VERSION applies
        #expect(p["cmd"] == ["run", "--config", "/etc/x.json"])  // given at create: kept
        #expect(p["entrypoint"] == nil)  // the image's: the new image's applies
        #expect(p["networks"] == [["network": "host"]])
        #expect(
            p["host_config"]
                == [
                    "RestartPolicy": ["Name": "unless-stopped"],
                    "Binds": ["/srv/state:/var/lib/orchestrator-agent", "/srv/certs:/certs:ro"],
                    "Mounts": [
                        ["Type": "bind", "Source": "/run/docker.sock", "Target": "/var/run/docker.sock"],
                        ["Type": "volume", "Source": "anon1", "Target": "/data", "ReadOnly": false],
                    ],
                    "GroupAdd": ["999"],
                ])
    }

    @Test("bridge-mode containers keep their networks, without addresses")
    func recreationNetworks() {
        let p = ContainerRecreation.createParams(
            container: ["name": "a", "host_config": ["network_mode": "lan"], "networks": ["lan": [:], "mgmt": [:]]],
            oldImageConfig: [:], image: "x")
        #expect(p["networks"] == [["network": "lan"], ["network": "mgmt"]])
    }
}
