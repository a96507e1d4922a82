# Podman as the docker lab's engine (sourced by scripts/lab/docker-lab for `--engine podman`;
# scripts/lab/podman-lab is the short way). Same namespaces, LAN, DHCP and stand-in image as the
# Docker lab; the engine is a rootful `podman system service` in ${P}lab with everything it keeps
# under DIR:
#   DIR/containers.conf, DIR/storage.conf   its own config (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF):
#                                           storage, runroot, tmp dir, CNI config dir and events
#                                           log under DIR; runtime = DIR/runc-clamp; cgroupfs
#   its private mount namespace (ip netns exec; after restart-engine with containers still running,
#   the one their conmon processes run in) gets, besides the cgroup remount:
#     a tmpfs on /run/netns                 the containers' netns files stay in the lab's view
#     DIR/runc-state on /run/runc            runc's state
#     DIR/netavark-run on /run/containers/networks
#                                           netavark's IPAM database (which addresses are taken
#                                           on which network): per lab, network names repeat
# The network backend is netavark (Debian's podman 4.3 also ships it), run by the service in
# ${P}lab: bridges, veths and its iptables rules land in that namespace only. Not CNI: CNI's host-local IPAM refuses a static IP outside a network's
# lease range, which the protocol's ip_range allows (docs/container-driver.md, Podman).
# See docs/lab-podman.md.

PODMAN_API=v4.0.0/libpod

podman_conf() {
    mkdir -p "$DIR/podman/root" "$DIR/podman/runroot" "$DIR/podman/tmp" "$DIR/podman/net" "$DIR/runc-state" "$DIR/netavark-run"
    # Root here lacks CAP_SYS_RESOURCE: nofile/nproc defaults above the hard limits fail in runc
    # (lab-notes §2); the runc wrapper clamps what a container asks for, these are the defaults.
    cat >"$DIR/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=32768:32768"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$DIR/podman/events.log"
runtime = "lab-runc"
tmp_dir = "$DIR/podman/tmp"
static_dir = "$DIR/podman/root/libpod"
volume_path = "$DIR/podman/root/volumes"
[engine.runtimes]
lab-runc = ["$DIR/runc-clamp"]
[network]
network_config_dir = "$DIR/podman/net"
network_backend = "netavark"
CONF
    cat >"$DIR/storage.conf" <<CONF
[storage]
driver = "overlay"
runroot = "$DIR/podman/runroot"
graphroot = "$DIR/podman/root"
CONF
}

PODMAN_MOUNTS='
mkdir -p /run/runc /run/containers/networks
mount --bind "$LAB_DIR/runc-state" /run/runc
mount --bind "$LAB_DIR/netavark-run" /run/containers/networks
mount -t tmpfs -o mode=755 tmpfs /run/netns
'

# A conmon of this lab that still runs (a container outlived the service): its PID, else status 1.
podman_conmon() {
    local pid
    ns_exists "$LAB_NS" || return 1
    for pid in $(ip netns pids "$LAB_NS" 2>/dev/null); do
        [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = conmon ] && pid_is_ours "$pid" && { echo "$pid"; return 0; }
    done
    return 1
}

start_podman() {
    local conmon
    podman_conf
    rm -f "$SOCK"
    printf '\n=== docker-lab: starting podman in %s at %s\n' "$LAB_NS" "$(date -u +%FT%TZ)" >>"$DIR/dockerd.log"
    if conmon="$(podman_conmon)"; then
        # A restart with containers still running: the new service joins the mount namespace they
        # run in (conmon's, the previous service's), where their netns files under /run/netns and
        # runc's state are, as on a host whose podman.service restarts. A fresh `ip netns exec`
        # would give it an empty /run/netns: it could not stop or remove them.
        printf '=== docker-lab: joining the mount namespace of conmon %s\n' "$conmon" >>"$DIR/dockerd.log"
        CONTAINERS_CONF="$DIR/containers.conf" CONTAINERS_STORAGE_CONF="$DIR/storage.conf" \
            setsid nsenter --mount="/proc/$conmon/ns/mnt" --net="/run/netns/$LAB_NS" \
            podman --root "$DIR/podman/root" --runroot "$DIR/podman/runroot" --cgroup-manager cgroupfs \
            system service --time=0 "unix://$SOCK" >>"$DIR/dockerd.log" 2>&1 </dev/null &
    else
        LAB_DIR="$DIR" CONTAINERS_CONF="$DIR/containers.conf" CONTAINERS_STORAGE_CONF="$DIR/storage.conf" \
            setsid ip netns exec "$LAB_NS" bash -c "$PODMAN_MOUNTS$CGROUP_REMOUNT" _ \
            podman --root "$DIR/podman/root" --runroot "$DIR/podman/runroot" --cgroup-manager cgroupfs \
            system service --time=0 "unix://$SOCK" >>"$DIR/dockerd.log" 2>&1 </dev/null &
    fi
    echo $! >"$DIR/dockerd.launch.pid"
    wait_for_ping "$!"
}

# Containers outlive the service (conmon supervises them): remove them through the API first.
remove_podman_containers() {
    local id
    [ -S "$SOCK" ] || return 0
    for id in $(curl -sf --max-time 10 --unix-socket "$SOCK" "http://localhost/$PODMAN_API/containers/json?all=true" | jq -r '.[].Id' 2>/dev/null); do
        curl -sf --max-time 20 -X DELETE --unix-socket "$SOCK" "http://localhost/$PODMAN_API/containers/$id?force=true&t=0" >/dev/null || true
    done
}

# conmon and the container processes left after the service was killed: conmon runs in the lab
# netns with DIR on its command line; a container's processes are in cgroups named after the ids
# in DIR's storage.
podman_leftovers() {
    local pid comm id
    ns_exists "$LAB_NS" && for pid in $(ip netns pids "$LAB_NS" 2>/dev/null); do
        comm="$(cat "/proc/$pid/comm" 2>/dev/null)" || continue
        case "$comm" in podman|conmon) pid_is_ours "$pid" && echo "$pid" ;; esac
    done
    for id in $(ls "$DIR/podman/root/overlay-containers" 2>/dev/null); do
        [[ "$id" =~ ^[0-9a-f]{64}$ ]] || continue
        find /sys/fs/cgroup/*/libpod_parent -path "*libpod-$id*" -name cgroup.procs -exec cat {} + 2>/dev/null
    done
}

sweep_podman_cgroups() {
    local id i
    for id in $(ls "$DIR/podman/root/overlay-containers" 2>/dev/null); do
        [[ "$id" =~ ^[0-9a-f]{64}$ ]] || continue
        for ((i = 0; i < 20; i++)); do
            find /sys/fs/cgroup/*/libpod_parent -depth -type d -path "*libpod-*$id*" -exec rmdir {} + 2>/dev/null
            [ -z "$(find /sys/fs/cgroup/*/libpod_parent -type d -path "*libpod-*$id*" 2>/dev/null)" ] && break
            sleep 0.1
        done
    done
}

stop_podman() {
    local pid
    remove_podman_containers
    if pid="$(dockerd_pid)"; then stop_pid "$pid" "$STOP_WAIT"; fi
    for pid in $(podman_leftovers); do stop_pid "$pid" 3; done
    rm -f "$SOCK"
}

# The stand-in image through libpod's import, then the second tag.
build_podman_image() {
    local r="$DIR/image/rootfs" out
    write_rootfs "$r"
    out="$(tar -C "$r" --numeric-owner --owner=0 --group=0 -cf - . |
        curl -sS -X POST --unix-socket "$SOCK" -w '\n%{http_code}' -H 'Content-Type: application/x-tar' --data-binary @- \
            --url-query "reference=$IMAGE_REPO:latest" \
            --url-query 'changes=CMD ["/bin/sh","/start.sh"]' \
            --url-query 'changes=LABEL org.opencontainers.image.title=lab-openplc-runtime-standin' \
            "http://localhost/$PODMAN_API/images/import")" || die "image import failed"
    [[ "${out##*$'\n'}" == 2* ]] || die "image import failed: $out"
    out="$(curl -sS -X POST --unix-socket "$SOCK" -w '%{http_code}' \
        "http://localhost/$PODMAN_API/images/$IMAGE_REPO:latest/tag?repo=$IMAGE_REPO&tag=lab-2")" || die "tagging failed"
    [[ "${out: -3}" == 2* ]] || die "tagging $IMAGE_REPO:lab-2 failed: $out"
}

# The service alone (restart-engine): containers keep running under conmon, as on a real host
# when podman.service restarts.
stop_podman_service() {
    local pid
    if pid="$(dockerd_pid)"; then stop_pid "$pid" "$STOP_WAIT"; fi
    rm -f "$SOCK"
}
