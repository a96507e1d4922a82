import AgentStore
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's logging (`orchestrator-agent run`): records to standard output and to
/// `agent.log` in ``LogSettings/directory`` (default `<state_dir>/logs`; rotated by size, see ``RotatingLogFile``) in the configured
/// ``LogFormat``.
///
/// One process per log folder: the daemon holds an exclusive `flock` on `logs/.lock` (waiting up
/// to 2 s for it, see `FileLock`). When the folder cannot be created (mode 0750; missing
/// parents 0700, like the store's), the lock is held by another process or the file cannot be
/// opened, the daemon logs to standard output only and
/// says so once, as a warning. The one-shot commands do not use this: they log to standard error
/// and never touch the files (they may run beside a daemon).
public struct DaemonLog: Sendable {
    /// The agent's logger (level ``LogSettings/level``); plugin loggers are copies of it.
    public let logger: Logger
    /// The shared writer (close it on exit).
    public let sink: LogSink
    /// Why there is no log file although ``LogSettings/file`` asked for one.
    public let fileProblem: String?

    /// The logs folder under a state folder.
    public static func directory(stateDirectory: String) -> String { stateDirectory + "/logs" }

    /// Opens the daemon's outputs. Never fails: a file problem leaves standard output (see above).
    /// - Parameters:
    ///   - stdout: also write to standard output (tests pass false). When true, `SIGPIPE` is
    ///     ignored for the process, so a vanished stdout reader makes writes fail (counted in
    ///     ``LogSink/writeErrors``) instead of killing the agent.
    public static func open(
        settings: LogSettings, stateDirectory: String, stdout: Bool = true, label: String = "orchestrator-agent"
    ) -> DaemonLog {
        if stdout { signal(SIGPIPE, SIG_IGN) }
        var problem: String?
        var file: RotatingLogFile?
        var lockFD: Int32 = -1
        if settings.file {
            let dir = settings.directory ?? directory(stateDirectory: stateDirectory)
            problem = makeDirectory(dir, mode: 0o750)
            if problem == nil {
                lockFD = Glibc.open(dir + "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
                if lockFD < 0 {
                    problem = "cannot open '\(dir)/.lock': \(String(cString: strerror(errno)))"
                } else if !FileLock.exclusive(lockFD, within: FileLock.takeOverWait) {
                    problem = "another agent process writes the logs in '\(dir)'"
                    Glibc.close(lockFD)
                    lockFD = -1
                }
            }
            if problem == nil {
                let f = RotatingLogFile(directory: dir, maxBytes: settings.maxBytes, maxFiles: settings.maxFiles)
                problem = f.open()
                if problem == nil { file = f }
            }
        }
        if file == nil, lockFD >= 0 {
            Glibc.close(lockFD)
            lockFD = -1
        }
        let sink = LogSink(stream: stdout ? STDOUT_FILENO : nil, file: file, lockFD: lockFD)
        let format = settings.format
        var logger = Logger(label: label) { AgentLogHandler(label: $0, sink: sink, format: format) }
        logger.logLevel = settings.level
        if let problem { logger.warning("log file disabled: \(problem); logging to standard output only") }
        return DaemonLog(logger: logger, sink: sink, fileProblem: problem)
    }

    /// Creates `path` with `mode` and any missing parents with 0700; nil when it exists or was
    /// made, else why not.
    static func makeDirectory(_ path: String, mode: mode_t) -> String? {
        var info = stat()
        if stat(path, &info) == 0 {
            return (info.st_mode & S_IFMT) == S_IFDIR ? nil : "'\(path)' exists and is not a folder"
        }
        let parent = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !parent.isEmpty, parent != path, let problem = makeDirectory(parent, mode: 0o700) { return problem }
        if mkdir(path, mode) == 0 {
            _ = chmod(path, mode)  // exactly `mode`, whatever the umask
            return nil
        }
        return errno == EEXIST ? nil : "cannot create '\(path)': \(String(cString: strerror(errno)))"
    }
}
