# Shared helpers for the scripts. Sourced, not executed.

step() { printf '\n==> %s\n' "$*" >&2; }

die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs what the build and tests need on a fresh Debian machine of this kind: the Swift
# toolchain is preinstalled (/opt/swift); a C compiler builds the pure-C example plugin.
ensure_prerequisites() {
    command -v swift >/dev/null || die "the Swift toolchain (swift) is not on PATH"
    if ! command -v cc >/dev/null; then
        step "installing a C compiler (apt-get install gcc)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc libc6-dev >/dev/null
    fi
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
