#!/usr/bin/env bash
# Installs the orchestrator agent on an edge device (docs/installation.md):
#   1. enrols the device with the cloud: a key made here that never leaves the device, a CSR whose
#      CN is the orchestrator id the enrollment API hands out, and the signed certificate checked
#      (parses, matches the key, CN, client-auth EKU, chain, validity) before anything is written;
#   2. writes the key, the certificate and the site config atomically with strict modes;
#   3. runs the netmon sidecar and the agent in Docker, pinned by image id, recreating a container
#      only when its image or its settings changed;
#   4. with --from-python-agent, takes the site over from the Python agent: its containers are
#      stopped and kept under rollback names until this agent reports connected, then removed; if
#      it does not connect in time (or the run is interrupted), the Python agent is put back.
# A re-run with a valid installed certificate enrols nothing and changes nothing.
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
CA_FILE=""
ISSUER_CA=""
CERT_DIR="/root/.mtls"
KEY_TYPE="rsa"
RSA_BITS=4096
ROOT=""
AGENT_IMAGE="ghcr.io/autonomy-logic/orchestrator-agent:latest"
NETMON_IMAGE="ghcr.io/autonomy-logic/autonomy-netmon:latest"
DOCKER_HOST_URI=""
CLOUD_HOST=""
CLOUD_PORT=3001
PINS_FILE=""
AGENT_BIN=""                                    # the orchestrator-agent that enrols (see find_agent_bin)
WARN_DAYS=30
AGENT_USER=""                                   # UID:GID; default 10001:10001, 0:0 with --no-docker
DRY_RUN=0 UNINSTALL=0 PURGE=0 REENROLL=0 NO_DOCKER=0
FROM_PYTHON=0
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

JSON_TOOL=""

check_tools() {
    local t missing=()
    for t in sha256sum mktemp; do command -v "$t" >/dev/null || missing+=("$t"); done
    [ "$NO_DOCKER" = 1 ] || command -v docker >/dev/null || missing+=(docker)
    [ "${#missing[@]}" = 0 ] || fail "$E_FAIL" "missing tool: ${missing[*]} (Debian: apt-get install $(pkgs_for "${missing[@]}"))"
    # JSON: python3 (preferred) or jq; ORCH_INSTALL_JSON picks one (tests run both).
    case "${ORCH_INSTALL_JSON:-}" in
        jq | python3) JSON_TOOL="$ORCH_INSTALL_JSON"; command -v "$JSON_TOOL" >/dev/null || fail "$E_FAIL" "missing tool: $JSON_TOOL" ;;
        *) if command -v python3 >/dev/null; then JSON_TOOL=python3; elif command -v jq >/dev/null; then JSON_TOOL=jq; else
            fail "$E_FAIL" "missing tool: python3 or jq (to read the API's JSON; Debian: apt-get install python3)"
        fi ;;
    esac
}

pkgs_for() {
    local t out=()
    for t in "$@"; do
        case "$t" in docker) out+=(docker.io) ;; sha256sum | mktemp) out+=(coreutils) ;; *) out+=("$t") ;; esac
    done
    echo "${out[*]}"
}

# --- temp files --------------------------------------------------------------------------------------

WORK=""
TMP_FILES=()
PINS_READER=""          # the throwaway container that read_pins creates

cleanup() {
    local rc=$? f
    # A run that stops while the Python agent is down puts it back first (see takeover_begin).
    [ "$TAKEOVER" = 0 ] || takeover_interrupted "$rc"
    for f in "${TMP_FILES[@]}"; do rm -f "$f"; done
    [ -z "$PINS_READER" ] || docker rm -f "$PINS_READER" >/dev/null 2>&1 || true
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        # The staged key (if the run stopped before installing it) is overwritten first.
        [ ! -f "$WORK/client.key" ] || shred -u "$WORK/client.key" 2>/dev/null || true
        rm -rf "$WORK"
    fi
}

# --- JSON --------------------------------------------------------------------------------------------

# json_get FILE DOTTED.PATH: prints the value (strings raw, objects/arrays as JSON). Status 3: the
# file is not JSON; 4: no such value (or null).
json_get() {
    if [ "$JSON_TOOL" = python3 ]; then
        python3 -c '
import json, sys
try:
    with open(sys.argv[1], "rb") as f: v = json.load(f)
except Exception: sys.exit(3)
for k in sys.argv[2].split("."):
    if isinstance(v, dict) and k in v: v = v[k]
    else: sys.exit(4)
if v is None: sys.exit(4)
if isinstance(v, (dict, list)): print(json.dumps(v))
elif isinstance(v, bool): print("true" if v else "false")
else: print(v)' "$1" "$2"
    else
        jq -e . "$1" >/dev/null 2>&1 || { [ $? = 1 ] || return 3; }
        local out
        out="$(jq -r --arg p "$2" 'getpath($p | split(".")) | if type == "object" or type == "array" then tojson else . end' "$1" 2>/dev/null)" || return 4
        [ "$out" != null ] || return 4
        printf '%s\n' "$out"
    fi
}

# json_valid FILE: it parses as JSON.
json_valid() {
    if [ "$JSON_TOOL" = python3 ]; then python3 -m json.tool "$1" >/dev/null 2>&1; else jq -e . "$1" >/dev/null 2>&1 || [ $? = 1 ]; fi
}

# json_array FILE: it is a JSON array (of pins).
json_array() {
    if [ "$JSON_TOOL" = python3 ]; then
        python3 -c 'import json, sys; sys.exit(0 if isinstance(json.load(open(sys.argv[1])), list) else 1)' "$1" 2>/dev/null
    else
        [ "$(jq -r type "$1" 2>/dev/null)" = array ]
    fi
}

# --- atomic files ------------------------------------------------------------------------------------

# Flushes a file or folder to disk where coreutils can (sync FILE, coreutils >= 8.24).
flush() { sync "$1" 2>/dev/null || true; }

# set_owner_mode PATH OWNER MODE: only where they differ (a re-run changes nothing).
set_owner_mode() {
    [ "$(stat -c '%u:%g' "$1")" = "$2" ] || chown "$2" "$1"
    [ "$(stat -c '%a' "$1")" = "$3" ] || chmod "$3" "$1"
}

# ensure_dir DIR MODE OWNER
ensure_dir() {
    if [ "$DRY_RUN" = 1 ]; then
        [ -d "$1" ] || would "create folder $1 (mode $2, owner $3)"
        return 0
    fi
    # Missing parents get the usual 0755 (umask 077 would make them 0700).
    (umask 022 && mkdir -p "$(dirname "$1")")
    mkdir -p "$1"
    set_owner_mode "$1" "$3" "$2"
}

# install_file SRC DEST MODE OWNER: a temp file in DEST's folder, flushed, renamed over DEST.
install_file() {
    local src="$1" dest="$2" mode="$3" owner="$4" dir tmp
    if [ "$DRY_RUN" = 1 ]; then would "write $dest (mode $mode, owner $owner)"; return 0; fi
    dir="$(dirname "$dest")"
    tmp="$(mktemp "$dir/.${dest##*/}.XXXXXX")"
    TMP_FILES+=("$tmp")
    cat "$src" >"$tmp"
    chown "$owner" "$tmp"
    chmod "$mode" "$tmp"
    flush "$tmp"
    mv -f "$tmp" "$dest"
    flush "$dir"
}

# --- certificates ------------------------------------------------------------------------------------

# The CA bundle the client certificate must chain to (empty: the system trust store).
chain_anchor() {
    if [ -n "$ISSUER_CA" ]; then echo "$ISSUER_CA"
    elif [ -n "$CA_FILE" ]; then echo "$CA_FILE"
    elif [ -f "$CERT_HOST/issuer-ca.pem" ]; then echo "$CERT_HOST/issuer-ca.pem"
    fi
}

# verify_installed: the installed pair checked by `orchestrator-agent enroll --verify-installed`
# (`check`'s certificate code: the key, clientAuth, validity, the chain to the anchor, a safe CN).
# Sets ORCH_ID, or CHECK_REASON and returns 1 when it is unusable; warns when it expires soon.
CHECK_REASON=""
verify_installed() {
    find_agent_bin
    local anchor status=0 args=(enroll --verify-installed --cert-dir "$CERT_HOST" --expiry-warn-days "$WARN_DAYS")
    anchor="$(chain_anchor)"
    [ -z "$anchor" ] || args+=(--issuer-ca "$anchor")
    "$AGENT_BIN" "${args[@]}" >"$WORK/verify.out" 2>"$WORK/verify.err" || status=$?
    { grep '^warning:' "$WORK/verify.err" || true; } | sed "s/^/$PROG: /" >&2
    case "$status" in
        0) ORCH_ID="$(sed -n 's/^orchestrator id: //p' "$WORK/verify.out")" CERT_INFO="$WORK/verify.out"; return 0 ;;
        5) CHECK_REASON="$(sed -n 's/^error: installed_unusable: //p' "$WORK/verify.err")"; return 1 ;;
        *) fail "$E_FAIL" "orchestrator-agent enroll --verify-installed failed (exit $status): $(tr '\n' ' ' <"$WORK/verify.err")" ;;
    esac
}

# --- enrollment --------------------------------------------------------------------------------------

# The orchestrator-agent that enrols: --agent-bin, else the one on PATH (the Debian package's), else
# the agent image's binary and its Swift runtime, copied out of a container that is created, never
# started, and removed (the binary finds the runtime through its run path $ORIGIN/../lib/…).
find_agent_bin() {
    if [ -n "$AGENT_BIN" ]; then return 0; fi
    if AGENT_BIN="$(command -v orchestrator-agent)"; then return 0; fi
    [ "$NO_DOCKER" = 0 ] || fail "$E_FAIL" "missing tool: orchestrator-agent (Debian: apt install ./orchestrator-agent_*.deb; or give --agent-bin)"
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

# CERT_INFO: the output of the `orchestrator-agent enroll` run that enrolled or verified the pair;
# its `sha256 fingerprint:`, `not before:` and `not after:` lines feed the summary.
ORCH_ID="" NEW_CERT=0 REUSED_CERT=0 CERT_INFO=""

# A new key and certificate, by `orchestrator-agent enroll`: the key made on the device, the CSR the
# only upload, the certificate checked with `check`'s own code before anything is written, the
# files installed atomically with strict modes (the previous pair kept as *.prev).
enroll() {
    if [ "$DRY_RUN" = 1 ]; then
        would "GET $API_BASE/orchestrators/id for a new orchestrator id (skipped: it reserves an id)"
        would "generate the $(key_desc) key on this device (mode 0600) and a CSR with CN=<id>, EKU clientAuth (orchestrator-agent enroll)"
        would "POST the CSR (field csr) to $API_BASE/orchestrators/enroll and check the certificate"
        would "install $CERT_HOST/client.key (0600) and $CERT_HOST/client.crt (0644)"
        ORCH_ID="<new id>"
        return 0
    fi
    find_agent_bin
    local args=(enroll --api-base "$API_BASE" --cert-dir "$CERT_HOST" --key-type "$KEY_TYPE" --rsa-bits "$RSA_BITS"
        --owner "$AGENT_USER" --expiry-warn-days "$WARN_DAYS") anchor status=0
    [ -z "$CA_FILE" ] || args+=(--ca-file "$CA_FILE")
    anchor="$(chain_anchor)"
    [ -z "$anchor" ] || args+=(--issuer-ca "$anchor")
    say "enrolling with $API_BASE: $(key_desc) key made here, only the CSR is sent ($AGENT_BIN enroll)"
    "$AGENT_BIN" "${args[@]}" >"$WORK/enroll.out" 2>"$WORK/enroll.err" || status=$?
    sed "s/^/$PROG: /" "$WORK/enroll.err" >&2
    case "$status" in
        0) ;;
        3) fail "$E_API" "the enrollment API failed or refused (above). Nothing was installed." ;;
        4) fail "$E_CERT" "refusing the signed certificate (above). Nothing was installed." ;;
        *) fail "$E_FAIL" "orchestrator-agent enroll failed (exit $status, above)" ;;
    esac
    ORCH_ID="$(sed -n 's/^orchestrator id: //p' "$WORK/enroll.out")" CERT_INFO="$WORK/enroll.out"
    [ -n "$ORCH_ID" ] || fail "$E_FAIL" "orchestrator-agent enroll printed no orchestrator id"
    say "certificate checked and installed: CN $ORCH_ID, clientAuth, chains to $(chain_anchor_desc), valid"
    NEW_CERT=1 FILES_CHANGED=1
}

key_desc() { if [ "$KEY_TYPE" = ec ]; then echo "EC P-256"; else echo "RSA-$RSA_BITS"; fi; }
chain_anchor_desc() { local a; a="$(chain_anchor)"; echo "${a:-the system trust store}"; }

# Reuses a valid installed certificate (no request to the API), or enrols.
enroll_or_reuse() {
    local key="$CERT_HOST/client.key" crt="$CERT_HOST/client.crt"
    if [ "$REENROLL" = 0 ] && { [ -e "$key" ] || [ -e "$crt" ]; }; then
        if [ ! -f "$key" ] || [ ! -f "$crt" ]; then
            fail "$E_EXISTING" "$CERT_HOST holds only one of client.key and client.crt; run again with --reenroll"
        fi
        if ! verify_installed; then
            local hint="Run again with --reenroll (a new orchestrator id) or restore the right files"
            # A certificate enrolled by another installer (the Python agent's) comes without a copy
            # of the CA it chains to.
            if [[ "$CHECK_REASON" == *"does not chain"* ]] && [ -z "$(chain_anchor)" ]; then
                hint="It was checked against the system trust store: if the CA that issued it is not in it, give that CA with --issuer-ca; otherwise run again with --reenroll (a new orchestrator id)"
            fi
            fail "$E_EXISTING" "the installed certificate $crt is unusable: $CHECK_REASON. $hint"
        fi
        REUSED_CERT=1
        say "already enrolled as $ORCH_ID (valid certificate in $CERT_HOST): no enrollment"
        return 0
    fi
    [ "$REENROLL" = 0 ] || say "--reenroll: enrolling anew (the new orchestrator id must be linked again)"
    enroll
}

# A reused certificate: the folder and files get the agent user and the strict modes (a no-op when
# they have them).
fix_cert_files() {
    [ "$REUSED_CERT" = 1 ] || return 0
    save_issuer_ca
    [ "$DRY_RUN" = 0 ] || return 0
    local f m
    set_owner_mode "$CERT_HOST" "$AGENT_USER" 700
    for f in client.key client.key.prev client.crt client.crt.prev issuer-ca.pem; do
        [ -f "$CERT_HOST/$f" ] || continue
        case "$f" in *.key*) m=600 ;; *) m=644 ;; esac
        set_owner_mode "$CERT_HOST/$f" "$AGENT_USER" "$m"
    done
}

# A reused certificate checked against --issuer-ca or --ca-file with no saved copy (one enrolled by
# the Python agent's installer, which keeps none): the copy is saved so that later runs find it.
save_issuer_ca() {
    local anchor; anchor="$(chain_anchor)"
    [ -n "$anchor" ] && [ ! -f "$CERT_HOST/issuer-ca.pem" ] || return 0
    install_file "$anchor" "$CERT_HOST/issuer-ca.pem" 644 "$AGENT_USER"
    [ "$DRY_RUN" = 1 ] || say "saved $anchor as $CERT_HOST/issuer-ca.pem: later runs check the certificate against it"
}

# --- site config -------------------------------------------------------------------------------------

PINS_JSON="[]" FILES_CHANGED=0

# The plugin pins: --pins-file, else the file the agent image ships (read from a container that is
# created, never started, and removed).
read_pins() {
    local f="$WORK/pins.json"
    if [ -n "$PINS_FILE" ]; then
        json_array "$PINS_FILE" || fail "$E_FAIL" "--pins-file $PINS_FILE is not a JSON array"
        PINS_JSON="$(cat "$PINS_FILE")"
        return 0
    fi
    if [ "$NO_DOCKER" = 1 ]; then
        warn "no --pins-file: the site config loads no plugins"
        return 0
    fi
    if [ "$DRY_RUN" = 1 ]; then
        would "read the plugin pins $IMAGE_PINS from the agent image"
        PINS_JSON='"<pins from the image>"'
        return 0
    fi
    PINS_READER="$(docker create --network none --entrypoint /pins-reader "$AGENT_ID" 2>"$WORK/docker.err")" \
        || fail "$E_FAIL" "cannot read the agent image: $(cat "$WORK/docker.err")"
    if docker cp "$PINS_READER:$IMAGE_PINS" "$f" >/dev/null 2>&1 && json_array "$f"; then
        PINS_JSON="$(cat "$f")"
    else
        warn "the agent image has no $IMAGE_PINS (a JSON array): the site config loads no plugins; give --pins-file"
    fi
    docker rm -f "$PINS_READER" >/dev/null 2>&1 || true
    PINS_READER=""
}

write_config() {
    local out="$WORK/site.json" state cert
    if [ "$NO_DOCKER" = 1 ]; then state="$STATE_REL" cert="$CERT_DIR"; else state="$C_STATE_DIR" cert="$C_CERT_DIR"; fi
    {
        printf '{\n'
        printf '  "state_dir": "%s",\n' "$state"
        printf '  "cloud": { "host": "%s", "port": %s, "cert_dir": "%s" },\n' "$CLOUD_HOST" "$CLOUD_PORT" "$cert"
        [ "$NO_DOCKER" = 1 ] || printf '  "agent": { "container_name": "%s" },\n' "$AGENT_NAME"
        printf '  "plugins": { "load": %s, "deny": [] }\n' "$PINS_JSON"
        printf '}\n'
    } >"$out"
    ensure_dir "$CONFIG_HOST" 750 "0:$AGENT_GID"
    ensure_dir "$STATE_HOST" 700 "$AGENT_USER"
    if [ "$DRY_RUN" = 1 ]; then
        if [ -f "$CONFIG_HOST/site.json" ] && cmp -s "$out" "$CONFIG_HOST/site.json"; then
            say "site config $CONFIG_HOST/site.json unchanged"
            return 0
        fi
        would "write $CONFIG_HOST/site.json (mode 0640):"
        sed 's/^/    /' "$out" >&2
        return 0
    fi
    json_valid "$out" || fail "$E_FAIL" "the generated site config is not valid JSON (a bad --pins-file?)"
    if [ -f "$CONFIG_HOST/site.json" ] && cmp -s "$out" "$CONFIG_HOST/site.json"; then
        set_owner_mode "$CONFIG_HOST/site.json" "0:$AGENT_GID" 640
        say "site config $CONFIG_HOST/site.json unchanged"
        return 0
    fi
    install_file "$out" "$CONFIG_HOST/site.json" 640 "0:$AGENT_GID"
    say "wrote $CONFIG_HOST/site.json"
    FILES_CHANGED=1
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
HEALTH_NOTE=""          # what the last look at health.json saw

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

# to_ns TIMESTAMP: nanoseconds since the epoch of an ISO 8601 time (Docker's and the agent's).
to_ns() { date -u -d "$1" +%s%N 2>/dev/null; }

# Slack for Docker recording a container's start a moment after its process began.
START_SLACK_NS=2000000000

# agent_connected: this run's agent container reports connected and a passed self-check in
# health.json, written by the process of that container (its started_at is not older than the
# container's start; a file left from before does not count).
agent_connected() {
    local f="$WORK/health.json" c_started started s_ns c_ns connected check
    c_started="$(container_field "$AGENT_NAME" '{{.State.StartedAt}}')" || { HEALTH_NOTE="no $AGENT_NAME container"; return 1; }
    cp "$STATE_HOST/health.json" "$f" 2>/dev/null || { HEALTH_NOTE="no health.json yet"; return 1; }
    started="$(json_get "$f" started_at)" || { HEALTH_NOTE="health.json without started_at"; return 1; }
    s_ns="$(to_ns "$started")" && c_ns="$(to_ns "$c_started")" || { HEALTH_NOTE="health.json: bad started_at '$started'"; return 1; }
    if [ "$((s_ns + START_SLACK_NS))" -lt "$c_ns" ]; then
        HEALTH_NOTE="health.json is from an earlier process (started_at $started, container started $c_started)"
        return 1
    fi
    connected="$(json_get "$f" connected)" || connected="?"
    check="$(json_get "$f" self_check)" || check="?"
    HEALTH_NOTE="connected $connected, self_check $check"
    [ "$connected" = true ] && [ "$check" = ok ]
}

# Waits up to --takeover-timeout for agent_connected.
wait_connected() {
    local deadline=$((SECONDS + TAKEOVER_TIMEOUT)) note=$((SECONDS + 15))
    say "waiting up to $TAKEOVER_TIMEOUT s for $AGENT_NAME to report connected ($STATE_HOST/health.json)"
    until agent_connected; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        if [ "$SECONDS" -ge "$note" ]; then say "still waiting: $HEALTH_NOTE"; note=$((SECONDS + 15)); fi
        sleep 1
    done
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
    enroll_or_reuse
    if [ "$NO_DOCKER" = 0 ]; then
        NETMON_ID="$(resolve_image "$NETMON_IMAGE")" || exit $?
        AGENT_ID="$(resolve_image "$AGENT_IMAGE")" || exit $?
    fi
    read_pins
    fix_cert_files
    write_config
    if [ "$NO_DOCKER" = 0 ]; then
        takeover_begin
        run_containers
        takeover_finish
    fi
    summary
}

main "$@"
