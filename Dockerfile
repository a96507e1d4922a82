# syntax=docker/dockerfile:1
# Multi-stage build of the agent and its first-party plugins.
# Build:  docker build -t orchestrator-agent .
# Note: no Docker engine runs on the development machines of this project, so this file is not
# exercised by the tests yet; the packaging issue adds the runtime-layout check and the netmon
# image (see docs/architecture.md).

ARG SWIFT_IMAGE=swift:6.3.1-bookworm
ARG RUNTIME_IMAGE=swift:6.3.1-bookworm-slim

FROM ${SWIFT_IMAGE} AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
COPY Package.swift ./
COPY Sources Sources
COPY Plugins Plugins
COPY Tests Tests
RUN swift build -c release --product orchestrator-agent \
 && swift build -c release --product agent-example-swift \
 && mkdir -p /out/bin /out/plugins \
 && cp "$(swift build -c release --show-bin-path)/orchestrator-agent" /out/bin/ \
 && cp "$(swift build -c release --show-bin-path)/libagent-example-swift.so" /out/plugins/ \
 && Plugins/Examples/CCounter/build.sh /out/plugins/libagent-example-c.so \
 && strip /out/bin/orchestrator-agent /out/plugins/*.so \
 && /out/bin/orchestrator-agent plugins pin /out/plugins/*.so > /out/pins.json

# The slim Swift image carries exactly the runtime libraries (libswiftCore, Foundation,
# Dispatch) the agent and its Swift plugins share; plugins must use this same runtime.
FROM ${RUNTIME_IMAGE} AS runtime
COPY --from=build /out/bin/orchestrator-agent /usr/bin/orchestrator-agent
COPY --from=build --chmod=0755 /out/plugins/ /usr/lib/orchestrator-agent/plugins/
COPY --from=build /out/pins.json /usr/lib/orchestrator-agent/pins.json
RUN printf '{"state_dir":"/var/lib/orchestrator-agent","plugins":{"load":%s}}\n' \
      "$(cat /usr/lib/orchestrator-agent/pins.json)" > /etc/orchestrator-agent.json
VOLUME ["/var/lib/orchestrator-agent"]
ENTRYPOINT ["/usr/bin/orchestrator-agent"]
CMD ["run", "--config", "/etc/orchestrator-agent.json"]
