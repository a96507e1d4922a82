# Shared helpers for the scripts. Sourced, not executed.

step() { printf '\n==> %s\n' "$*" >&2; }

die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs what the build and tests need on a fresh Debian machine of this kind: the Swift
# toolchain is preinstalled (/opt/swift); a C compiler builds the pure-C example plugin.
ensure_prerequisites() {
    command -v swift >/dev/null || die "the Swift toolchain (swift) is not on PATH"
    # A C compiler builds the pure-C example plugin; openssl makes the lab PKI; python3 runs the
    # lab cloud (its venv comes from PyPI, see scripts/lab/setup-cloud.sh); curl drives the demo.
    local missing=()
    command -v cc >/dev/null || missing+=(gcc libc6-dev)
    command -v openssl >/dev/null || missing+=(openssl)
    command -v python3 >/dev/null || missing+=(python3 python3-venv)
    command -v curl >/dev/null || missing+=(curl)
    if [ "${#missing[@]}" -gt 0 ]; then
        step "installing ${missing[*]} (apt-get)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# Installs what scripts/lab/docker-lab needs on a fresh Debian machine of this kind: the Docker
# Engine (dockerd, containerd, runc), a *static* busybox (copied into the registry-free stand-in
# image, so it must not need a libc), socat and openssl (the stand-in's TLS front on 8443: socat
# and the shared libraries it needs are copied into the image, openssl makes its self-signed
# certificate), dnsmasq for DHCP on the lab LAN, iproute2 and curl (the lab talks to the Engine API
# with curl). Asks dpkg rather than PATH: dockerd and dnsmasq live in sbin, and a dynamic busybox
# on PATH would not do. apt-get runs only when something is missing.
ensure_lab_packages() {
    # systemd: its systemd-analyze verifies the units (Tests/OpsTests/Packaging/SystemdUnitTests);
    # nothing is started with it. lintian checks the Debian package (DebPackageTests). debootstrap
    # makes the Dockerfile's base image (scripts/lab/base-image). podman and netavark: the Podman lab.
    local wanted=(docker.io podman netavark busybox-static socat dnsmasq-base iproute2 curl openssl jq patchelf tinyproxy-bin systemd lintian debootstrap) missing=() p
    for p in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
    done
    [ "${#missing[@]}" -gt 0 ] || return 0
    step "installing ${missing[*]} (apt-get)"
    # Quiet (apt still chats on stderr, e.g. about apt-utils); its output is shown only on failure.
    local log; log="$(mktemp)"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
        cat "$log" >&2; rm -f "$log"
        die "apt-get install ${missing[*]} failed"
    fi
    rm -f "$log"
}

# Writes a site config at $1 that loads every plugin given after it (pinned by sha256), with a
# state dir next to the config. Uses the agent's own `plugins pin`.
write_site_config() {
    local config="$1" agent="$2"; shift 2
    local dir; dir="$(dirname "$config")"
    local pins; pins="$("$agent" plugins pin "$@")"
    cat >"$config" <<JSON
{
  "state_dir": "$dir/state",
  "request_timeout_ms": 10000,
  "plugins": { "load": $pins, "deny": [] },
  "topics": { "example_sleep": { "timeout_ms": 500 } },
  "features": { "example_shout": false }
}
JSON
}

# swift_build_progress ARGS...: `swift build ARGS...` with its progress in view. SwiftPM prints
# a `[done/total] Compiling …` line per step when its output is not a terminal; this shows the
# latest of them every PROGRESS_SECONDS (default 5) on stderr, then SwiftPM's last line, and on
# a failure the errors (every `error:` line, else the last 30 lines). Returns swift's status.
swift_build_progress() {
    local log every="${PROGRESS_SECONDS:-5}" last=$SECONDS line status errexit=0
    log="$(mktemp /tmp/swift-build.XXXXXX)"
    case $- in *e*) errexit=1 ;; esac
    set +e
    swift build "$@" 2>&1 | tee "$log" | while IFS= read -r line; do
        case "$line" in
        \[*/*\]*)
            if [ $((SECONDS - last)) -ge "$every" ]; then
                printf '    %s\n' "${line:0:110}" >&2
                last=$SECONDS
            fi ;;
        esac
    done
    status=${PIPESTATUS[0]}
    [ "$errexit" -eq 0 ] || set -e
    if [ "$status" -eq 0 ]; then
        printf '    %s\n' "$(tail -n 1 "$log")" >&2
    else
        if grep -q 'error:' "$log"; then grep 'error:' "$log" | head -n 40 >&2; else tail -n 30 "$log" >&2; fi
    fi
    rm -f "$log"
    return "$status"
}
