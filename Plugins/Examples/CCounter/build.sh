#!/usr/bin/env bash
# Builds the C example plugin with a plain C compiler (no Swift toolchain involved).
# Usage: Plugins/Examples/CCounter/build.sh OUTPUT.so
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="${1:?usage: build.sh OUTPUT.so}"
mkdir -p "$(dirname "$out")"
"${CC:-cc}" -std=c11 -O2 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden \
    -I "$root/Sources/AgentPluginSDK/CAgentABI/include" "$here/counter_plugin.c" -o "$out"
chmod 0755 "$out"
