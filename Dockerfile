# syntax=docker/dockerfile:1
# The agent image (target `runtime`, the default) and the netmon sidecar image (target `netmon`).
# Both copy a layout written by scripts/package-layout, the one definition of the shipped files
# (docs/ci-cd.md); Tests/OpsTests/Packaging checks that every COPY below names a path it writes.
#
#   docker buildx build --platform linux/amd64,linux/arm64 --build-arg VERSION=1.4.0 \
#       --target runtime -t orchestrator-agent:1.4.0 .
#   docker buildx build --platform linux/amd64,linux/arm64 --build-arg VERSION=1.4.0 \
#       --target netmon -t autonomy-netmon:1.4.0 .
#
# Pin the base images by digest in CI (SWIFT_IMAGE=swift:6.3.1-bookworm@sha256:…); the build
# stage and the runtime stage must be the same Debian release (glibc, libstdc++).
#
# Without a registry or network (the lab engine): scripts/lab/base-image imports a debootstrapped
# debian:bookworm-slim, and scripts/lab/build-images builds both targets with LAYOUT=prebuilt
# from layouts made outside. Every stage installs packages only when they are missing, so the
# same file builds on a networked builder and there (docs/ci-cd.md, "Images built here").

ARG SWIFT_IMAGE=swift:6.3.1-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim
ARG VERSION=0.2.0
# compile: the build stage compiles both layouts. prebuilt: it takes them from the build context's
# prebuilt/agent and prebuilt/netmon (scripts/package-layout output) and only checks them.
ARG LAYOUT=compile

# --- build: the agent layout (release, stripped, pinned) and the static netmon layout -------------
FROM ${SWIFT_IMAGE} AS build
ARG VERSION
ARG LAYOUT
WORKDIR /src
# Package.resolved is not committed; the [d] glob copies it when the context has one.
COPY Package.swift Package.resolve[d] ./
COPY Sources Sources
COPY Plugins Plugins
COPY Tests Tests
COPY scripts scripts
# The context's prebuilt/ (LAYOUT=prebuilt) lands as /out/agent and /out/netmon. The [t] glob
# matches nothing in a clone; Package.swift is named so that the COPY always has a source.
COPY Package.swift prebuil[t] /out/
RUN set -eu; \
    case "${LAYOUT}" in \
    prebuilt) \
        for l in agent:orchestrator-agent netmon:autonomy-netmon; do \
            test -s "/out/${l%%:*}/usr/lib/${l#*:}/MANIFEST" \
                || { echo "LAYOUT=prebuilt: the build context has no prebuilt/${l%%:*} layout" >&2; exit 1; }; \
            (cd "/out/${l%%:*}" && sha256sum --quiet -c "usr/lib/${l#*:}/MANIFEST"); \
        done ;; \
    compile) \
        rm -rf /out/agent /out/netmon; \
        missing=""; \
        for p in patchelf binutils busybox-static; do \
            dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"; \
        done; \
        if [ -n "$missing" ]; then \
            apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing \
            && rm -rf /var/lib/apt/lists/*; \
        fi; \
        scripts/package-layout /out/agent --configuration release --version "${VERSION}" --scratch /src/.build; \
        scripts/package-layout --netmon /out/netmon --configuration release --version "${VERSION}" --scratch /src/.build-static ;; \
    *) echo "LAYOUT is compile or prebuilt, not ${LAYOUT}" >&2; exit 1 ;; \
    esac

# --- runtime: the agent ---------------------------------------------------------------------------
# Runs as the unprivileged user `agent` (10001). What it needs from the host:
#   the Docker socket:  -v /var/run/docker.sock:/var/run/docker.sock --group-add "$(stat -c %g /var/run/docker.sock)"
#   its state:          a volume or folder owned by 10001 at /var/lib/orchestrator-agent
#   its mTLS identity:  client.crt / client.key readable by 10001, at the site config's cloud.cert_dir
#   the netmon socket:  the shared volume at /var/orchestrator (the sidecar makes its socket
#                       root:10001 0660 with --socket-group 10001 and lets uid 10001 in)
# Root is not needed: the agent only talks to sockets; the privileged work is the sidecar's.
FROM ${RUNTIME_IMAGE} AS runtime
ARG VERSION
RUN if ! dpkg-query -W -f='${Status}' ca-certificates 2>/dev/null | grep -q 'ok installed'; then \
        apt-get update \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
 && groupadd --system --gid 10001 agent \
 && useradd --system --uid 10001 --gid agent --home-dir /var/lib/orchestrator-agent --no-create-home \
        --shell /usr/sbin/nologin agent \
 && install -d -o agent -g agent -m 0700 /var/lib/orchestrator-agent
COPY --from=build /out/agent/usr/bin/orchestrator-agent /usr/bin/orchestrator-agent
COPY --from=build /out/agent/usr/lib/orchestrator-agent/ /usr/lib/orchestrator-agent/
COPY --from=build /out/agent/etc/orchestrator-agent/site.json /etc/orchestrator-agent/site.json
# The image holds exactly the layout (root-owned, no group/world write: the loader's rules).
RUN cd / && sha256sum --quiet -c /usr/lib/orchestrator-agent/MANIFEST \
 && /usr/bin/orchestrator-agent --version
ENV AGENT_VERSION=${VERSION}
LABEL org.opencontainers.image.title="orchestrator-agent" org.opencontainers.image.version="${VERSION}"
USER agent
VOLUME ["/var/lib/orchestrator-agent"]
# Liveness: the daemon (PID 1) is still there. `orchestrator-agent check` is the full diagnosis;
# it probes the cloud, so a cloud outage would mark the container unhealthy and it is not used here.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/bin/sh", "-c", "kill -0 1"]
ENTRYPOINT ["/usr/bin/orchestrator-agent"]
CMD ["run", "--config", "/etc/orchestrator-agent/site.json"]

# --- netmon: the network monitor sidecar -----------------------------------------------------------
# Runs as root, and must: it watches and changes the host's links over rtnetlink (CAP_NET_ADMIN in
# the host's network namespace), enters containers' network namespaces through /proc/PID/ns/net
# (setns: CAP_SYS_ADMIN, CAP_SYS_PTRACE, the host's PID namespace) and runs udhcpc there. Run it
# with --network host --pid host --privileged -v orchestrator-shared:/var/orchestrator.
# autonomy-netmon is linked with --static-swift-stdlib (no Swift libraries in this image); nsenter
# comes from util-linux (essential in Debian), udhcpc and the hook script's applets from busybox.
FROM ${RUNTIME_IMAGE} AS netmon
ARG VERSION
COPY --from=build /out/netmon/usr/bin/autonomy-netmon /usr/bin/autonomy-netmon
COPY --from=build /out/netmon/usr/bin/busybox /usr/bin/busybox
COPY --from=build /out/netmon/usr/lib/autonomy-netmon/ /usr/lib/autonomy-netmon/
RUN cd / && sha256sum --quiet -c /usr/lib/autonomy-netmon/MANIFEST && command -v nsenter
ENV AGENT_VERSION=${VERSION}
LABEL org.opencontainers.image.title="autonomy-netmon" org.opencontainers.image.version="${VERSION}"
USER root
VOLUME ["/var/orchestrator"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/bin/busybox", "test", "-S", "/var/orchestrator/netmon.sock"]
ENTRYPOINT ["/usr/bin/autonomy-netmon"]
CMD ["--state-dir", "/var/orchestrator", "--busybox", "/usr/bin/busybox", "--agent-uid", "10001", "--socket-group", "10001"]
