#!/usr/bin/env bash
# Installs the orchestrator agent on an edge device (docs/installation.md). The logic is the
# agent's own (`orchestrator-agent enroll`, `site-config write`, `status`); this script finds the
# images and the agent binary, calls it, and runs the containers:
#   1. enrols the device (`enroll --keep-installed`: a valid installed pair is kept, else a key made
#      here, a CSR, the certificate checked with `check`'s code before anything is written);
#   2. writes the site config (`site-config write`: atomic, strict modes, only when it changed);
#   3. runs the netmon sidecar and the agent in Docker, pinned by image id, recreating a container
#      only when its image or its settings changed;
#   4. with --from-python-agent, takes the site over from the Python agent: its containers are
#      stopped and kept under rollback names until this agent reports connected (`status
#      --wait-connected`), then removed; otherwise (or if the run is interrupted) they are put back.
# A re-run with a valid installed certificate enrols nothing and changes nothing.
# Needs bash, coreutils and the docker CLI: no python3, jq or openssl.
#
#   scripts/install.sh --help
set -euo pipefail
umask 077

PROG="${0##*/}"

# --- fixed names -------------------------------------------------------------------------------------

AGENT_NAME=orchestrator_agent
NETMON_NAME=autonomy_netmon
VOLUME=orchestrator-shared
HASH_LABEL=io.autonomy.install-hash
PY_SUFFIX=.python                               # the Python agent's containers during a takeover
REF_LABEL=io.autonomy.image-ref
CONFIG_REL=/etc/orchestrator-agent              # config folder (site.json), under --root
STATE_REL=/var/lib/orchestrator-agent           # the agent's state folder, under --root
IMAGE_PINS=/usr/lib/orchestrator-agent/pins.json  # plugin pins shipped in the agent image
# Paths inside the agent container. The agent image runs as an unprivileged user, which cannot
# traverse the image's /root (0700), so the key and certificate are not mounted at /root/.mtls.
C_CERT_DIR=/run/secrets/mtls
C_CONFIG_DIR=/etc/orchestrator-agent
C_STATE_DIR=/var/lib/orchestrator-agent
C_SHARED=/var/orchestrator
C_DOCKER_SOCK=/var/run/docker.sock

# Exit codes (docs/installation.md#exit-codes).
E_FAIL=1 E_USAGE=2 E_API=3 E_CERT=4 E_EXISTING=5 E_ROLLED_BACK=6

# --- defaults (flags) --------------------------------------------------------------------------------

API_BASE="https://api.autonomylogic.com"
CA_FILE="" ISSUER_CA="" CERT_DIR="/root/.mtls" KEY_TYPE="rsa" RSA_BITS=4096 ROOT=""
AGENT_IMAGE="ghcr.io/autonomy-logic/orchestrator-agent:latest"
NETMON_IMAGE="ghcr.io/autonomy-logic/autonomy-netmon:latest"
DOCKER_HOST_URI="" CLOUD_HOST="" CLOUD_PORT=3001 PINS_FILE=""
AGENT_BIN=""                                    # the orchestrator-agent that does the work (find_agent_bin)
WARN_DAYS=30
AGENT_USER=""                                   # UID:GID; default 10001:10001, 0:0 with --no-docker
DRY_RUN=0 UNINSTALL=0 PURGE=0 REENROLL=0 NO_DOCKER=0 FROM_PYTHON=0
TAKEOVER_TIMEOUT=120 TIMEOUT_GIVEN=0

usage() {
    cat <<EOF
Usage: $PROG [options]
Enrols this device with the orchestrator cloud and runs the agent and the netmon sidecar in Docker.

Options:
  --api-base URL         enrollment API base, https only (default: $API_BASE)
  --ca-file FILE         CA bundle trusted for the enrollment API's TLS and, unless --issuer-ca is
                         given, for the signed certificate's chain (default: the system trust store)
  --issuer-ca FILE       CA bundle the signed client certificate must chain to (default: --ca-file,
                         else the copy saved at the first install, else the system trust store)
  --cert-dir DIR         folder of client.key and client.crt (default: $CERT_DIR)
  --key-type TYPE        ec (P-256) or rsa (default: $KEY_TYPE)
  --rsa-bits N           RSA key size for --key-type rsa: 3072 or 4096 (default: $RSA_BITS)
  --cloud-host HOST      cloud host written to the site config (default: the host of --api-base)
  --cloud-port PORT      cloud port written to the site config (default: $CLOUD_PORT)
  --root DIR             prefix for every file written (config, state and cert folders); default /
  --agent-image REF      agent image: name@sha256:DIGEST or an image id sha256:ID pins it; a tag
                         is accepted with a warning (default: $AGENT_IMAGE)
  --netmon-image REF     netmon sidecar image, same forms (default: $NETMON_IMAGE)
  --agent-user UID:GID   the agent's user: owns the key, certificate and state folder, reads the
                         config; the agent container runs as it (default: 10001:10001, the
                         image's user 'agent'; 0:0 with --no-docker)
  --pins-file FILE       plugin pins (JSON array from 'orchestrator-agent plugins pin') for the
                         site config (default: $IMAGE_PINS read from the agent image)
  --agent-bin PATH       the orchestrator-agent that enrols ('orchestrator-agent enroll'); default:
                         the one on PATH (the Debian package's), else the agent image's, copied out
  --docker-host URI      Docker Engine socket, unix:///PATH (default: \$DOCKER_HOST, else
                         unix:///var/run/docker.sock)
  --expiry-warn-days N   warn when the certificate expires within N days (default: $WARN_DAYS)
  --reenroll             make a new key and enrol again (a new orchestrator id), even if a valid
                         certificate is installed; the previous pair is kept as *.prev
  --no-docker            write the files only; no containers, no volume
  --from-python-agent    take the site over from the Python agent (v1.2.x): its containers
                         $AGENT_NAME and $NETMON_NAME (those without the label
                         $HASH_LABEL) are stopped and kept as NAME$PY_SUFFIX until this
                         agent reports connected, then removed; otherwise they are put back
  --takeover-timeout SECONDS
                         with --from-python-agent: how long to wait for this agent to report
                         connected before rolling back (default: $TAKEOVER_TIMEOUT)
  --dry-run              print every action and change nothing (no enrollment request either)
  --uninstall            remove the two containers; with --purge also the rest
  --purge                with --uninstall: also remove the shared volume, the config and state
                         folders and the cert folder (the key is shredded)
  --help                 print this help and exit

Exit codes: 0 done, 1 failure, 2 bad usage, 3 enrollment API error, 4 certificate refused,
5 the installed certificate is unusable (run again with --reenroll), 6 --from-python-agent rolled
back: this agent did not report connected in time and the Python agent runs again.
EOF
}

# --- output ------------------------------------------------------------------------------------------

say() { printf '%s: %s\n' "$PROG" "$*" >&2; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
# fail CODE MESSAGE...
fail() { local code="$1"; shift; printf '%s: error: %s\n' "$PROG" "$*" >&2; exit "$code"; }
usage_error() { printf '%s: %s (see --help)\n' "$PROG" "$*" >&2; exit "$E_USAGE"; }

# act DESCRIPTION COMMAND...: runs COMMAND, or only prints it with --dry-run.
act() {
    local what="$1"; shift
    if [ "$DRY_RUN" = 1 ]; then
        printf '%s: [dry-run] would %s: %s\n' "$PROG" "$what" "$(quote_args "$@")" >&2
    else
        say "$what"
        "$@"
    fi
}

# quote_args ARGS...: the command line as a shell would take it back (plain words unquoted).
quote_args() {
    local a out=()
    for a in "$@"; do
        if [[ "$a" =~ ^[A-Za-z0-9_./:=,@+%-]+$ ]]; then out+=("$a"); else out+=("'${a//\'/\'\\\'\'}'"); fi
    done
    echo "${out[*]}"
}

# would DESCRIPTION: a dry-run note for a step that is not one command.
would() { printf '%s: [dry-run] would %s\n' "$PROG" "$*" >&2; }

# --- arguments ---------------------------------------------------------------------------------------

need_value() { if [ $# -lt 2 ] || [ -z "$2" ]; then usage_error "$1 needs a value"; fi; }

parse_args() {
    while [ $# -gt 0 ]; do
        case "$1" in
            --api-base) need_value "$@"; API_BASE="$2"; shift 2 ;;
            --ca-file) need_value "$@"; CA_FILE="$2"; shift 2 ;;
            --issuer-ca) need_value "$@"; ISSUER_CA="$2"; shift 2 ;;
            --cert-dir) need_value "$@"; CERT_DIR="$2"; shift 2 ;;
            --key-type) need_value "$@"; KEY_TYPE="$2"; shift 2 ;;
            --rsa-bits) need_value "$@"; RSA_BITS="$2"; shift 2 ;;
            --cloud-host) need_value "$@"; CLOUD_HOST="$2"; shift 2 ;;
            --cloud-port) need_value "$@"; CLOUD_PORT="$2"; shift 2 ;;
            --root) need_value "$@"; ROOT="$2"; shift 2 ;;
            --agent-image) need_value "$@"; AGENT_IMAGE="$2"; shift 2 ;;
            --netmon-image) need_value "$@"; NETMON_IMAGE="$2"; shift 2 ;;
            --pins-file) need_value "$@"; PINS_FILE="$2"; shift 2 ;;
            --agent-bin) need_value "$@"; AGENT_BIN="$2"; shift 2 ;;
            --agent-user) need_value "$@"; AGENT_USER="$2"; shift 2 ;;
            --docker-host) need_value "$@"; DOCKER_HOST_URI="$2"; shift 2 ;;
            --expiry-warn-days) need_value "$@"; WARN_DAYS="$2"; shift 2 ;;
            --reenroll) REENROLL=1; shift ;;
            --no-docker) NO_DOCKER=1; shift ;;
            --from-python-agent) FROM_PYTHON=1; shift ;;
            --takeover-timeout) need_value "$@"; TAKEOVER_TIMEOUT="$2"; TIMEOUT_GIVEN=1; shift 2 ;;
            --dry-run) DRY_RUN=1; shift ;;
            --uninstall) UNINSTALL=1; shift ;;
            --purge) PURGE=1; shift ;;
            -h | --help) usage; exit 0 ;;
            *) usage_error "unknown option: $1" ;;
        esac
    done
    validate_args
}

# An absolute path of plain characters: it ends up in docker flags, JSON and messages unquoted.
safe_path() { [[ "$1" =~ ^/[A-Za-z0-9._/+@-]*$ ]] && [[ "$1" != *..* ]]; }

IMAGE_REF_RE='^[a-z0-9][a-z0-9._/:-]*(:[A-Za-z0-9_.-]+)?$'
DIGEST_REF_RE='^[a-z0-9][a-z0-9._/:-]*@sha256:[0-9a-f]{64}$'
IMAGE_ID_RE='^sha256:[0-9a-f]{64}$'

validate_args() {
    [[ "$API_BASE" =~ ^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$ ]] \
        || usage_error "--api-base must be an https:// URL (got '$API_BASE')"
    API_BASE="${API_BASE%/}"
    [ -z "$CLOUD_HOST" ] && { CLOUD_HOST="${API_BASE#https://}"; CLOUD_HOST="${CLOUD_HOST%%/*}"; CLOUD_HOST="${CLOUD_HOST%%:*}"; }
    [[ "$CLOUD_HOST" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$ || "$CLOUD_HOST" =~ ^\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\]?$ ]] \
        || usage_error "--cloud-host must be a host name, an IPv4 address or an IPv6 address"
    if ! [[ "$CLOUD_PORT" =~ ^[1-9][0-9]{0,4}$ ]] || [ "$CLOUD_PORT" -gt 65535 ]; then
        usage_error "--cloud-port must be 1..65535"
    fi
    case "$KEY_TYPE" in ec | rsa) ;; *) usage_error "--key-type must be ec or rsa" ;; esac
    case "$RSA_BITS" in 3072 | 4096) ;; *) usage_error "--rsa-bits must be 3072 or 4096" ;; esac
    [[ "$WARN_DAYS" =~ ^[0-9]{1,4}$ ]] || usage_error "--expiry-warn-days must be a number of days"
    safe_path "$CERT_DIR" || usage_error "--cert-dir must be an absolute path of plain characters"
    if [ -n "$ROOT" ]; then
        safe_path "$ROOT" || usage_error "--root must be an absolute path of plain characters"
        ROOT="${ROOT%/}"
    fi
    local f
    for f in "$CA_FILE" "$ISSUER_CA" "$PINS_FILE"; do
        [ -z "$f" ] || [ -r "$f" ] || usage_error "cannot read $f"
    done
    [ -z "$AGENT_BIN" ] || [ -x "$AGENT_BIN" ] || usage_error "--agent-bin $AGENT_BIN is not an executable"
    for f in "$AGENT_IMAGE" "$NETMON_IMAGE"; do
        [[ "$f" =~ $DIGEST_REF_RE || "$f" =~ $IMAGE_ID_RE || "$f" =~ $IMAGE_REF_RE ]] \
            || usage_error "not an image reference: '$f'"
    done
    if [ -z "$AGENT_USER" ]; then
        if [ "$NO_DOCKER" = 1 ]; then AGENT_USER=0:0; else AGENT_USER=10001:10001; fi
    fi
    [[ "$AGENT_USER" =~ ^[0-9]{1,9}(:[0-9]{1,9})?$ ]] || usage_error "--agent-user takes UID or UID:GID (numbers)"
    [[ "$AGENT_USER" == *:* ]] || AGENT_USER="$AGENT_USER:$AGENT_USER"
    AGENT_GID="${AGENT_USER#*:}"
    [ "$PURGE" = 0 ] || [ "$UNINSTALL" = 1 ] || usage_error "--purge goes with --uninstall"
    [ "$UNINSTALL" = 0 ] || [ "$REENROLL" = 0 ] || usage_error "--reenroll and --uninstall exclude each other"
    if [ "$FROM_PYTHON" = 1 ]; then
        [ "$UNINSTALL" = 0 ] || usage_error "--from-python-agent and --uninstall exclude each other"
        [ "$NO_DOCKER" = 0 ] || usage_error "--from-python-agent needs Docker: it cannot go with --no-docker"
    fi
    [ "$TIMEOUT_GIVEN" = 0 ] || [ "$FROM_PYTHON" = 1 ] || usage_error "--takeover-timeout goes with --from-python-agent"
    [[ "$TAKEOVER_TIMEOUT" =~ ^[1-9][0-9]{0,4}$ ]] || usage_error "--takeover-timeout must be a number of seconds (1..99999)"
    if [ -n "$DOCKER_HOST_URI" ]; then :; elif [ -n "${DOCKER_HOST:-}" ]; then DOCKER_HOST_URI="$DOCKER_HOST"; else
        DOCKER_HOST_URI="unix:///var/run/docker.sock"
    fi
}

# --- environment checks ------------------------------------------------------------------------------

check_platform() {
    [ "$(uname -s)" = Linux ] || fail "$E_FAIL" "this installer runs on Linux only"
    # ORCH_INSTALL_ALLOW_NONROOT=1 lets tests with --root and --no-docker run unprivileged.
    [ "$(id -u)" = 0 ] || [ "${ORCH_INSTALL_ALLOW_NONROOT:-}" = 1 ] || fail "$E_FAIL" "run as root (sudo $PROG ...)"
}

check_tools() {
    local t missing=() pkgs=()
    for t in sha256sum mktemp; do command -v "$t" >/dev/null || { missing+=("$t"); pkgs+=(coreutils); }; done
    [ "$NO_DOCKER" = 1 ] || command -v docker >/dev/null || { missing+=(docker); pkgs+=(docker.io); }
    [ "${#missing[@]}" = 0 ] || fail "$E_FAIL" "missing tool: ${missing[*]} (Debian: apt-get install ${pkgs[*]})"
}

# --- temp files --------------------------------------------------------------------------------------

WORK=""
PINS_READER=""          # the throwaway container that read_pins creates

cleanup() {
    local rc=$?
    # A run that stops while the Python agent is down puts it back first (see takeover_begin).
    [ "$TAKEOVER" = 0 ] || takeover_interrupted "$rc"
    [ -z "$PINS_READER" ] || docker rm -f "$PINS_READER" >/dev/null 2>&1 || true
    [ -z "$WORK" ] || rm -rf "$WORK"
}

# --- the agent binary --------------------------------------------------------------------------------

# The orchestrator-agent that enrols and writes the config: --agent-bin, else the one on PATH (the
# Debian package's), else the agent image's binary and its Swift runtime, copied out of a container
# that is created, never started, and removed (the binary finds the runtime through its run path
# $ORIGIN/../lib/…).
find_agent_bin() {
    if [ -n "$AGENT_BIN" ]; then return 0; fi
    if AGENT_BIN="$(command -v orchestrator-agent)"; then return 0; fi
    [ "$NO_DOCKER" = 0 ] || fail "$E_FAIL" "missing tool: orchestrator-agent (Debian: apt install ./orchestrator-agent_*.deb; or give --agent-bin)"
    if [ "$DRY_RUN" = 1 ] && ! docker image inspect "$AGENT_IMAGE" >/dev/null 2>&1; then
        would "pull $AGENT_IMAGE, then enrol and write the config with its orchestrator-agent"
        say "dry run: stopping here: the rest needs an orchestrator-agent (give --agent-bin to see it)"
        exit 0
    fi
    local id c
    id="$(resolve_image "$AGENT_IMAGE")" || exit $?
    c="$(docker create --network none "$id" 2>"$WORK/docker.err")" \
        || fail "$E_FAIL" "cannot read the agent image: $(cat "$WORK/docker.err")"
    mkdir -p "$WORK/agent/usr/bin" "$WORK/agent/usr/lib/orchestrator-agent"
    if ! docker cp "$c:/usr/bin/orchestrator-agent" "$WORK/agent/usr/bin/" >/dev/null 2>&1 \
        || ! docker cp "$c:/usr/lib/orchestrator-agent/swift" "$WORK/agent/usr/lib/orchestrator-agent/" >/dev/null 2>&1; then
        docker rm -f "$c" >/dev/null 2>&1 || true
        fail "$E_FAIL" "the agent image $AGENT_IMAGE holds no /usr/bin/orchestrator-agent to enrol with; give --agent-bin"
    fi
    docker rm -f "$c" >/dev/null 2>&1 || true
    AGENT_BIN="$WORK/agent/usr/bin/orchestrator-agent"
}

# agent ARGS...: runs the agent's subcommand; its stdout in $WORK/agent.out, its stderr relayed
# with this script's prefix. Returns its exit status.
agent() {
    local status=0
    "$AGENT_BIN" "$@" >"$WORK/agent.out" 2>"$WORK/agent.err" || status=$?
    sed "s/^/$PROG: /" "$WORK/agent.err" >&2
    return "$status"
}

# field LABEL: the value of the line `LABEL: value` of the last agent run's stdout.
field() { sed -n "s/^$1: //p" "$WORK/agent.out" | head -n 1; }

# --- enrolment and site config -----------------------------------------------------------------------

ORCH_ID="" NEW_CERT=0 FILES_CHANGED=0 CERT_INFO=""

# `orchestrator-agent enroll --keep-installed`: a valid installed pair is kept (no request to the
# API; owners and modes corrected, the anchor saved as issuer-ca.pem), else a key made here, only
# the CSR sent, the certificate checked with `check`'s code before the files are written.
enroll() {
    find_agent_bin
    local status=0 args=(enroll --cert-dir "$CERT_HOST" --api-base "$API_BASE" --key-type "$KEY_TYPE" --rsa-bits "$RSA_BITS"
        --owner "$AGENT_USER" --expiry-warn-days "$WARN_DAYS")
    [ -z "$CA_FILE" ] || args+=(--ca-file "$CA_FILE")
    [ -z "$ISSUER_CA" ] || args+=(--issuer-ca "$ISSUER_CA")
    [ "$DRY_RUN" = 0 ] || args+=(--dry-run)
    if [ "$REENROLL" = 1 ]; then say "--reenroll: enrolling anew (the new orchestrator id must be linked again)"
    else args+=(--keep-installed); fi
    agent "${args[@]}" || status=$?
    case "$status" in
        0) ;;
        3) fail "$E_API" "the enrollment API failed or refused (above). Nothing was installed." ;;
        4) fail "$E_CERT" "refusing the signed certificate (above). Nothing was installed." ;;
        5) fail "$E_EXISTING" "the installed certificate in $CERT_HOST is unusable (above). Run again with --reenroll (a new orchestrator id) or restore the right files" ;;
        *) fail "$E_FAIL" "orchestrator-agent enroll failed (exit $status, above)" ;;
    esac
    cp "$WORK/agent.out" "$WORK/enroll.out"
    ORCH_ID="$(field 'orchestrator id')" CERT_INFO="$WORK/enroll.out"
    [ -n "$ORCH_ID" ] || fail "$E_FAIL" "orchestrator-agent enroll printed no orchestrator id"
    if [ "$(field enrolment)" = kept ]; then
        say "already enrolled as $ORCH_ID (valid certificate in $CERT_HOST): no enrollment"
    elif [ "$DRY_RUN" = 0 ]; then
        say "enrolled as $ORCH_ID: the certificate was checked and installed in $CERT_HOST"
        NEW_CERT=1 FILES_CHANGED=1
    fi
}

PINS_ARG=()

# The plugin pins: --pins-file, else the file the agent image ships (copied out of a container that
# is created, never started, and removed).
read_pins() {
    if [ -n "$PINS_FILE" ]; then PINS_ARG=(--pins "$PINS_FILE"); return 0; fi
    [ "$NO_DOCKER" = 0 ] && [ "$DRY_RUN" = 0 ] || return 0
    PINS_READER="$(docker create --network none --entrypoint /pins-reader "$AGENT_ID" 2>"$WORK/docker.err")" \
        || fail "$E_FAIL" "cannot read the agent image: $(cat "$WORK/docker.err")"
    if docker cp "$PINS_READER:$IMAGE_PINS" "$WORK/pins.json" >/dev/null 2>&1; then PINS_ARG=(--pins "$WORK/pins.json")
    else warn "the agent image has no $IMAGE_PINS: the site config loads no plugins; give --pins-file"; fi
    docker rm -f "$PINS_READER" >/dev/null 2>&1 || true
    PINS_READER=""
}

# The state folder (the agent user's, 0700), then the site config by `orchestrator-agent site-config
# write`: checked as the agent reads it, written atomically (0640, folder 0750) only when it changed.
write_config() {
    if [ ! -d "$STATE_HOST" ]; then
        if [ "$DRY_RUN" = 1 ]; then would "create folder $STATE_HOST (mode 0700, owner $AGENT_USER)"
        else (umask 022 && mkdir -p "$(dirname "$STATE_HOST")") && mkdir "$STATE_HOST"; fi
    fi
    if [ -d "$STATE_HOST" ] && [ "$DRY_RUN" = 0 ]; then
        [ "$(stat -c '%u:%g' "$STATE_HOST")" = "$AGENT_USER" ] || chown "$AGENT_USER" "$STATE_HOST"
        [ "$(stat -c '%a' "$STATE_HOST")" = 700 ] || chmod 700 "$STATE_HOST"
    fi
    if [ "$DRY_RUN" = 1 ] && [ "$NO_DOCKER" = 0 ] && [ -z "$PINS_FILE" ]; then
        would "write $CONFIG_HOST/site.json (mode 0640) with the plugin pins $IMAGE_PINS of the agent image"
        return 0
    fi
    local status=0 args=(site-config write --config "$CONFIG_HOST/site.json" --cloud-host "$CLOUD_HOST" --cloud-port "$CLOUD_PORT"
        --owner "0:$AGENT_GID" "${PINS_ARG[@]}")
    if [ "$NO_DOCKER" = 1 ]; then args+=(--state-dir "$STATE_REL" --cert-dir "$CERT_DIR")
    else args+=(--state-dir "$C_STATE_DIR" --cert-dir "$C_CERT_DIR" --container-name "$AGENT_NAME"); fi
    [ "$DRY_RUN" = 0 ] || args+=(--dry-run)
    agent "${args[@]}" || status=$?
    [ "$status" = 0 ] || fail "$E_FAIL" "orchestrator-agent site-config write failed (exit $status, above): a bad --pins-file or image pins?"
    case "$(cat "$WORK/agent.out")" in
        written:*) [ "$DRY_RUN" = 1 ] || { say "wrote $CONFIG_HOST/site.json"; FILES_CHANGED=1; } ;;
        *) say "site config $CONFIG_HOST/site.json unchanged" ;;
    esac
}

# --- docker ------------------------------------------------------------------------------------------

SOCK_PATH="" AGENT_ID="" NETMON_ID=""

docker_setup() {
    [[ "$DOCKER_HOST_URI" =~ ^unix:///[A-Za-z0-9._/+@-]+$ ]] \
        || fail "$E_USAGE" "--docker-host must be unix:///PATH (the agent container mounts the engine's socket)"
    SOCK_PATH="${DOCKER_HOST_URI#unix://}"
    [ -S "$SOCK_PATH" ] || fail "$E_FAIL" "cannot reach the Docker Engine at $DOCKER_HOST_URI: $SOCK_PATH is not a socket (is dockerd running?)"
    export DOCKER_HOST="$DOCKER_HOST_URI"
    local v
    v="$(docker version --format '{{.Server.Version}}' 2>"$WORK/docker.err")" \
        || fail "$E_FAIL" "cannot reach the Docker Engine at $DOCKER_HOST_URI: $(tr '\n' ' ' <"$WORK/docker.err")"
    say "Docker Engine $v at $DOCKER_HOST_URI"
}

# resolve_image REF: prints the local image id, pulling REF first if the engine lacks it.
resolve_image() {
    local ref="$1" id
    if [[ "$ref" =~ $DIGEST_REF_RE ]]; then :
    elif [[ "$ref" =~ $IMAGE_ID_RE ]]; then :
    else warn "$ref is a tag, not pinned: pass name@sha256:DIGEST (or an image id) to install exactly what was tested"
    fi
    if id="$(docker image inspect --format '{{.Id}}' "$ref" 2>/dev/null)"; then echo "$id"; return 0; fi
    [[ ! "$ref" =~ $IMAGE_ID_RE ]] || fail "$E_FAIL" "image $ref is not on this engine (an image id cannot be pulled; give name@sha256:DIGEST)"
    if [ "$DRY_RUN" = 1 ]; then would "pull $ref"; echo "$ref"; return 0; fi
    say "pulling $ref"
    docker pull "$ref" >&2 || fail "$E_FAIL" "docker pull $ref failed"
    docker image inspect --format '{{.Id}}' "$ref" 2>/dev/null || fail "$E_FAIL" "image $ref is missing after the pull"
}

# What a container should look like; the hash of it becomes the $HASH_LABEL label.
netmon_args() {
    NETMON_ARGS=(--network host --pid host --privileged --restart unless-stopped
        --mount "type=volume,src=$VOLUME,dst=$C_SHARED"
        --mount "type=bind,src=/dev,dst=/dev")
    # udev's database lets netmon name devices; a host without udev (a minimal container host)
    # has no /run/udev, and a bind mount of a missing path would create it on the host.
    if [ -d /run/udev ]; then NETMON_ARGS+=(--mount "type=bind,src=/run/udev,dst=/run/udev,readonly")
    else warn "/run/udev is missing: the netmon sidecar runs without udev's device database"; fi
}

agent_args() {
    # Host network: the agent reaches each vPLC's runtime at its internal-bridge address, which
    # the host's network namespace holds a leg on, and the netmon socket is on the shared volume.
    # The agent's user, plus the group of the engine's socket so that it may use it.
    AGENT_ARGS=(--network host --restart unless-stopped --user "$AGENT_USER" --group-add "$(stat -c %g "$SOCK_PATH")"
        --mount "type=bind,src=$CERT_HOST,dst=$C_CERT_DIR,readonly"
        --mount "type=bind,src=$CONFIG_HOST,dst=$C_CONFIG_DIR,readonly"
        --mount "type=bind,src=$STATE_HOST,dst=$C_STATE_DIR"
        --mount "type=bind,src=$SOCK_PATH,dst=$C_DOCKER_SOCK"
        --mount "type=volume,src=$VOLUME,dst=$C_SHARED")
    AGENT_CMD=(run --config "$C_CONFIG_DIR/site.json")
}

spec_hash() { printf '%s\n' "$@" | sha256sum | cut -c1-64; }

# ensure_container NAME REF IMAGE_ID HASH ARGS... -- CMD...: keeps the container when its image
# and its settings (hash label) match, else removes and recreates it. Sets CONTAINER_RESULT.
CONTAINER_RESULT=""
ensure_container() {
    local name="$1" ref="$2" image="$3" hash="$4"; shift 4
    local args=() cmd=() seen=0 a cur_hash cur_image running
    for a in "$@"; do
        if [ "$seen" = 0 ] && [ "$a" = -- ]; then seen=1; elif [ "$seen" = 0 ]; then args+=("$a"); else cmd+=("$a"); fi
    done
    # A dry run of a takeover: the Python agent's container still holds the name it would free.
    if [ "$DRY_RUN" = 1 ] && held_by_python "$name"; then
        :
    elif cur_image="$(docker container inspect --format '{{.Image}}' "$name" 2>/dev/null)"; then
        cur_hash="$(docker container inspect --format "{{index .Config.Labels \"$HASH_LABEL\"}}" "$name")"
        if [ "$cur_image" = "$image" ] && [ "$cur_hash" = "$hash" ]; then
            running="$(docker container inspect --format '{{.State.Running}}' "$name")"
            if [ "$running" = true ]; then
                say "$name is up to date (image ${image#sha256:}): kept"
                CONTAINER_RESULT=kept
            else
                act "start $name (up to date but not running)" docker start "$name" >/dev/null
                CONTAINER_RESULT=started
            fi
            return 0
        fi
        if [ "$cur_image" != "$image" ]; then say "$name runs image ${cur_image#sha256:}, wanted ${image#sha256:}"
        else say "$name was made with other settings"; fi
        act "remove $name" docker rm -f "$name" >/dev/null
    fi
    act "create $name" docker run -d --name "$name" --label "$HASH_LABEL=$hash" --label "$REF_LABEL=$ref" \
        "${args[@]}" "$image" "${cmd[@]}" >/dev/null
    CONTAINER_RESULT=created
}

AGENT_RESULT="" NETMON_RESULT=""

run_containers() {
    if docker volume inspect "$VOLUME" >/dev/null 2>&1; then say "volume $VOLUME exists"
    else act "create volume $VOLUME" docker volume create "$VOLUME" >/dev/null; fi
    netmon_args
    ensure_container "$NETMON_NAME" "$NETMON_IMAGE" "$NETMON_ID" \
        "$(spec_hash "$NETMON_NAME" "$NETMON_ID" "${NETMON_ARGS[@]}")" "${NETMON_ARGS[@]}" --
    NETMON_RESULT="$CONTAINER_RESULT"
    agent_args
    # The config's content is a function of the flags and the image (its pins), so the hash covers
    # it without reading the image; a changed config file restarts a kept agent below.
    ensure_container "$AGENT_NAME" "$AGENT_IMAGE" "$AGENT_ID" \
        "$(spec_hash "$AGENT_NAME" "$AGENT_ID" "${AGENT_ARGS[@]}" -- "${AGENT_CMD[@]}" "$CLOUD_HOST" "$CLOUD_PORT" \
            "${PINS_FILE:+$(sha256sum <"$PINS_FILE")}")" \
        "${AGENT_ARGS[@]}" -- "${AGENT_CMD[@]}"
    AGENT_RESULT="$CONTAINER_RESULT"
    if [ "$AGENT_RESULT" = kept ] && [ "$FILES_CHANGED" = 1 ]; then
        act "restart $AGENT_NAME (new certificate or config)" docker restart "$AGENT_NAME" >/dev/null
        AGENT_RESULT=restarted
    fi
}

# --- taking over from the Python agent (--from-python-agent) ----------------------------------------

# The Python agent's containers, agent first: the name each had under the Python agent, its id,
# and the name it had when this run found it (NAME, or NAME.python after an interrupted run).
PY_NAMES=() PY_IDS=() PY_FOUND_AS=()
TAKEOVER=0              # 1 while the Python agent is down and this agent not yet confirmed
TAKEOVER_RESULT=""      # none, done (summary)

# container_field CONTAINER FORMAT: prints a `docker container inspect` field; fails if there is
# no such container.
container_field() { docker container inspect --format "$2" "$1" 2>/dev/null; }

# is_ours CONTAINER: it carries this installer's hash label.
is_ours() {
    local h; h="$(container_field "$1" "{{index .Config.Labels \"$HASH_LABEL\"}}")" || return 1
    [ -n "$h" ] && [ "$h" != "<no value>" ]
}

# held_by_python NAME: a Python agent's container was found under NAME itself.
held_by_python() {
    local n
    for n in "${PY_FOUND_AS[@]}"; do [ "$n" != "$1" ] || return 0; done
    return 1
}

short_id() { echo "${1:0:12}"; }

# Finds the Python agent's containers: NAME without this installer's label, or NAME.python (an
# earlier takeover that was killed before it could roll back). Both at once is ambiguous: nothing
# is changed and the run stops.
find_python_agent() {
    local name back id back_id
    for name in "$AGENT_NAME" "$NETMON_NAME"; do
        back="$name$PY_SUFFIX"
        id="$(container_field "$name" '{{.Id}}')" || id=""
        if [ -n "$id" ] && is_ours "$id"; then id=""; fi
        back_id="$(container_field "$back" '{{.Id}}')" || back_id=""
        if [ -n "$back_id" ] && is_ours "$back_id"; then
            fail "$E_FAIL" "$back carries this installer's label $HASH_LABEL, so it is not the Python agent's; nothing was changed. Remove or rename it (docker rm -f $back) and run again"
        fi
        if [ -n "$id" ] && [ -n "$back_id" ]; then
            fail "$E_FAIL" "both $name ($(short_id "$id")) and $back ($(short_id "$back_id")) exist and neither is this agent's; nothing was changed. $back is likely left from an earlier takeover: check with docker ps -a, remove the one that is not the Python agent's (docker rm -f), and run again"
        elif [ -n "$id" ]; then
            say "found the Python agent's $name ($(short_id "$id"), image $(container_field "$id" '{{.Config.Image}}'))"
            PY_NAMES+=("$name") PY_IDS+=("$id") PY_FOUND_AS+=("$name")
        elif [ -n "$back_id" ]; then
            say "found $back ($(short_id "$back_id")), left by an earlier takeover that did not finish: taken as the Python agent's $name"
            PY_NAMES+=("$name") PY_IDS+=("$back_id") PY_FOUND_AS+=("$back")
        fi
    done
    if [ "${#PY_IDS[@]}" = 0 ]; then
        warn "--from-python-agent: no Python agent container ($AGENT_NAME or $NETMON_NAME without the label $HASH_LABEL, or a *$PY_SUFFIX one): going on as a plain install"
        TAKEOVER_RESULT=none
    fi
}

# The Python agent's identity is its certificate: it is taken over, never replaced unasked. The
# Python agent's container names its folder (the source of its /root/.mtls mount).
check_python_cert() {
    [ "${#PY_IDS[@]}" -gt 0 ] || return 0
    local i src
    for i in "${!PY_IDS[@]}"; do
        [ "${PY_NAMES[$i]}" = "$AGENT_NAME" ] || continue
        src="$(container_field "${PY_IDS[$i]}" '{{range .Mounts}}{{if eq .Destination "/root/.mtls"}}{{.Source}}{{end}}{{end}}')" || src=""
        if [ -n "$src" ] && [ "${src%/}" != "$CERT_HOST" ]; then
            fail "$E_USAGE" "the Python agent's certificate folder is $src, not $CERT_HOST: give it with --cert-dir; nothing was changed"
        fi
    done
    if [ "$REENROLL" = 0 ] && [ ! -e "$CERT_HOST/client.key" ] && [ ! -e "$CERT_HOST/client.crt" ]; then
        fail "$E_EXISTING" "no certificate in $CERT_HOST to take over from the Python agent; nothing was changed. Give its folder with --cert-dir, or --reenroll to enrol a new identity (to be linked again)"
    fi
}

# The commands that put the Python agent back by hand (ids, so they hold whatever the names are).
print_way_back() {
    local i id
    say "to put the Python agent back by hand:"
    printf '    docker ps -aq --filter label=%s | xargs -r docker rm -f\n' "$HASH_LABEL" >&2
    for ((i = ${#PY_IDS[@]} - 1; i >= 0; i--)); do
        id="$(short_id "${PY_IDS[$i]}")"
        printf '    docker rename %s %s; docker update --restart unless-stopped %s; docker start %s\n' \
            "$id" "${PY_NAMES[$i]}" "$id" "$id" >&2
    done
}

# Takes the Python agent down before this agent's containers are created, agent first: restart
# policy no (the engine must not start it again), renamed to NAME.python (its name is this
# agent's), stopped. Kept until this agent reports connected.
takeover_begin() {
    [ "${#PY_IDS[@]}" -gt 0 ] || return 0
    local i name id back
    if [ "$DRY_RUN" = 0 ]; then
        TAKEOVER=1
        say "taking the Python agent down; it is kept as ${PY_NAMES[*]/%/$PY_SUFFIX} until this agent reports connected (an interrupted run puts it back)"
        print_way_back
    fi
    for i in "${!PY_IDS[@]}"; do
        name="${PY_NAMES[$i]}" id="$(short_id "${PY_IDS[$i]}")" back="${PY_NAMES[$i]}$PY_SUFFIX"
        act "set the restart policy of the Python agent's $name to no" docker update --restart no "$id" >/dev/null
        [ "${PY_FOUND_AS[$i]}" = "$back" ] || act "rename the Python agent's $name to $back" docker rename "$id" "$back"
        if [ "$(container_field "$id" '{{.State.Running}}')" = true ]; then
            act "stop the Python agent's $back" docker stop "$id" >/dev/null
        fi
    done
}

# Waits up to --takeover-timeout for this run's agent container to report connected with a passed
# self-check (`orchestrator-agent status --wait-connected`, reading health.json): a report counts
# only if the container's process wrote it (not older than the container's start).
HEALTH_NOTE=""
wait_connected() {
    local started status=0
    started="$(container_field "$AGENT_NAME" '{{.State.StartedAt}}')" || { HEALTH_NOTE="no $AGENT_NAME container"; return 1; }
    say "waiting up to $TAKEOVER_TIMEOUT s for $AGENT_NAME to report connected ($STATE_HOST/health.json)"
    "$AGENT_BIN" status --state-dir "$STATE_HOST" --not-before "$started" --wait-connected --timeout "$TAKEOVER_TIMEOUT" \
        >"$WORK/status.out" 2> >(sed -u "s/^/$PROG: /" >&2) || status=$?
    HEALTH_NOTE="$(sed -n 's/^seen: //p' "$WORK/status.out")"
    [ "$status" = 0 ] || { HEALTH_NOTE="${HEALTH_NOTE:-orchestrator-agent status failed (exit $status)}"; return 1; }
    say "$AGENT_NAME reports connected"
}

# restore_python INDEX: the Python agent's container gets its name back, restart policy
# unless-stopped (its installer's) and is started.
restore_python() {
    local name="${PY_NAMES[$1]}" id cur
    id="$(short_id "${PY_IDS[$1]}")"
    cur="$(container_field "$id" '{{.Name}}')" || { warn "the Python agent's $name ($id) is gone"; return 1; }
    cur="${cur#/}"
    if [ "$cur" != "$name" ]; then act "rename $cur back to $name" docker rename "$id" "$name" || return 1; fi
    act "set the restart policy of the Python agent's $name to unless-stopped" docker update --restart unless-stopped "$id" >/dev/null || return 1
    act "start the Python agent's $name" docker start "$id" >/dev/null || return 1
}

# Puts the Python agent back: this agent's containers removed, then the Python agent's netmon
# and agent restored. Not interruptible (a second Ctrl-C must not leave it half done); a step
# that fails is reported with the commands to finish by hand. Status 1 if any step failed.
rollback() {
    local name id i ok=1
    TAKEOVER=0
    trap '' INT TERM
    say "rolling back: the Python agent gets its containers back"
    for name in "$AGENT_NAME" "$NETMON_NAME"; do
        if id="$(container_field "$name" '{{.Id}}')" && is_ours "$id"; then
            act "remove this agent's $name" docker rm -f "$id" >/dev/null || ok=0
        fi
    done
    for ((i = ${#PY_IDS[@]} - 1; i >= 0; i--)); do restore_python "$i" || ok=0; done
    trap 'exit 130' INT TERM
    if [ "$ok" = 1 ]; then say "rolled back: the Python agent runs again (${PY_NAMES[*]})"; return 0; fi
    warn "the rollback did not finish; see the messages above"
    print_way_back
    return 1
}

# The EXIT trap's part: a run that ends (error, Ctrl-C, TERM) while the Python agent is down.
takeover_interrupted() {
    warn "the run stopped (exit $1) while the Python agent was down"
    rollback || true
}

# The last lines of this agent's container log, shown before a rollback removes the container.
show_agent_log() {
    say "the last lines of $AGENT_NAME's log (docker logs):"
    docker logs --tail 20 "$AGENT_NAME" 2>&1 | sed 's/^/    /' >&2 || true
}

# After this agent's containers run: waits for it to report connected, then removes the Python
# agent's containers; otherwise rolls back and exits E_ROLLED_BACK.
takeover_finish() {
    [ "${#PY_IDS[@]}" -gt 0 ] || return 0
    local i
    if [ "$DRY_RUN" = 1 ]; then
        would "wait up to $TAKEOVER_TIMEOUT s for $AGENT_NAME to report connected in $STATE_HOST/health.json; then remove ${PY_NAMES[*]/%/$PY_SUFFIX}; if it does not, remove this agent's containers and start the Python agent's again"
        return 0
    fi
    if ! wait_connected; then
        warn "$AGENT_NAME did not report connected within $TAKEOVER_TIMEOUT s (last seen: $HEALTH_NOTE)"
        show_agent_log
        rollback || fail "$E_FAIL" "the takeover failed and so did the rollback: put the Python agent back with the commands above"
        fail "$E_ROLLED_BACK" "took nothing over: this agent did not report connected within $TAKEOVER_TIMEOUT s, and the Python agent runs again. Why: the log lines above and $STATE_HOST/logs/agent.log (the container is removed, its docker logs with it); fix that and run again"
    fi
    TAKEOVER=0
    for i in "${!PY_IDS[@]}"; do
        act "remove the Python agent's ${PY_NAMES[$i]}$PY_SUFFIX" docker rm -f "$(short_id "${PY_IDS[$i]}")" >/dev/null \
            || warn "could not remove ${PY_NAMES[$i]}$PY_SUFFIX: remove it by hand (docker rm -f ${PY_NAMES[$i]}$PY_SUFFIX)"
    done
    TAKEOVER_RESULT=done
}

# --- uninstall ---------------------------------------------------------------------------------------

uninstall() {
    local name
    if [ "$NO_DOCKER" = 0 ]; then
        docker_setup
        for name in "$AGENT_NAME" "$NETMON_NAME"; do
            if docker container inspect "$name" >/dev/null 2>&1; then act "remove container $name" docker rm -f "$name" >/dev/null
            else say "no container $name"; fi
        done
        if [ "$PURGE" = 1 ]; then
            if docker volume inspect "$VOLUME" >/dev/null 2>&1; then act "remove volume $VOLUME" docker volume rm "$VOLUME" >/dev/null
            else say "no volume $VOLUME"; fi
        fi
    fi
    if [ "$PURGE" = 0 ]; then
        say "kept the key, certificate, config and state (add --purge to remove them)"
        return 0
    fi
    # Only the files the installer writes are removed, and a folder only when that empties it:
    # --cert-dir may name a folder that holds other things.
    local f
    for f in "$CERT_HOST/client.key" "$CERT_HOST/client.key.prev"; do
        [ ! -f "$f" ] || act "shred $f" shred -u "$f"
    done
    for f in "$CERT_HOST/client.crt" "$CERT_HOST/client.crt.prev" "$CERT_HOST/issuer-ca.pem" "$CONFIG_HOST/site.json"; do
        [ ! -f "$f" ] || act "remove $f" rm -f "$f"
    done
    [ ! -d "$STATE_HOST" ] || act "remove the state folder $STATE_HOST" rm -rf "$STATE_HOST"
    for f in "$CERT_HOST" "$CONFIG_HOST"; do
        [ ! -d "$f" ] || [ "$DRY_RUN" = 1 ] || rmdir "$f" 2>/dev/null || warn "kept $f: it holds other files"
    done
    [ "$DRY_RUN" = 1 ] || say "uninstalled (purged)"
}

# --- summary -----------------------------------------------------------------------------------------

takeover_summary() {
    case "$TAKEOVER_RESULT" in
        none) echo "python agent:        none found (a plain install)" ;;
        done)
            local i removed=""
            for i in "${!PY_IDS[@]}"; do removed="${removed:+$removed, }${PY_NAMES[$i]}$PY_SUFFIX ($(short_id "${PY_IDS[$i]}"))"; done
            echo "python agent:        taken over; removed its containers $removed"
            echo "  kept:              the volume $VOLUME with the Python agent's files, the certificate in $CERT_HOST, its images"
            echo "  the way back:      docs/installation.md, \"The way back\""
            ;;
    esac
}

summary() {
    local crt="$CERT_HOST/client.crt"
    if [ "$DRY_RUN" = 1 ]; then say "dry run: nothing was changed"; return 0; fi
    echo "orchestrator id:     $ORCH_ID"
    echo "certificate:         $crt"
    echo "  not before:        $(sed -n 's/^not before: //p' "$CERT_INFO")"
    echo "  not after:         $(sed -n 's/^not after: //p' "$CERT_INFO")"
    echo "  sha256 fingerprint: $(sed -n 's/^sha256 fingerprint: //p' "$CERT_INFO")"
    echo "site config:         $CONFIG_HOST/site.json"
    if [ "$NO_DOCKER" = 0 ]; then
        echo "netmon container:    $NETMON_NAME $NETMON_RESULT (${NETMON_ID#sha256:})"
        echo "agent container:     $AGENT_NAME $AGENT_RESULT (${AGENT_ID#sha256:})"
    fi
    takeover_summary
    if [ "$NEW_CERT" = 1 ]; then
        echo "Link this orchestrator in the Autonomy Edge web app with the id $ORCH_ID."
    fi
}

# --- main --------------------------------------------------------------------------------------------

main() {
    parse_args "$@"
    check_platform
    check_tools
    CERT_HOST="$ROOT$CERT_DIR" CONFIG_HOST="$ROOT$CONFIG_REL" STATE_HOST="$ROOT$STATE_REL"
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/orchestrator-install.XXXXXX")"
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    [ "$DRY_RUN" = 0 ] || say "dry run: printing the actions, changing nothing"
    if [ "$UNINSTALL" = 1 ]; then uninstall; return 0; fi
    # The engine first: an unreachable engine or an ambiguous takeover stops the run before an
    # enrollment reserves an id.
    if [ "$NO_DOCKER" = 0 ]; then docker_setup; fi
    if [ "$FROM_PYTHON" = 1 ]; then find_python_agent; check_python_cert; fi
    enroll
    if [ "$NO_DOCKER" = 0 ]; then
        NETMON_ID="$(resolve_image "$NETMON_IMAGE")" || exit $?
        AGENT_ID="$(resolve_image "$AGENT_IMAGE")" || exit $?
    fi
    read_pins
    write_config
    if [ "$NO_DOCKER" = 0 ]; then
        takeover_begin
        run_containers
        takeover_finish
    fi
    summary
}

main "$@"
