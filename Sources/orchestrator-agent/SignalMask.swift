#if canImport(Glibc)
import Glibc
#endif

/// A daemon must be stoppable: a parent (a test runner's worker thread, a badly written
/// supervisor) may have spawned us with SIGTERM/SIGINT/SIGHUP blocked, and a blocked signal is
/// never delivered. Unblock them before the service group installs its handlers.
enum SignalMask {
    static func unblockLifecycleSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&set, sig) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
