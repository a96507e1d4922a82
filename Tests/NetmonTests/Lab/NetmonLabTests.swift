import LabSupport
import Testing

/// Tests against the real sidecar binary, real netlink and real processes. Each test makes its
/// own network namespaces (deleted on every exit path) and never touches the host's network.
/// They run one at a time: they start processes and measure nothing but generous deadlines.
@Suite(.serialized, .requires(LabEnvironment.available, "needs root and `ip netns`"))
struct NetmonLabTests {}

