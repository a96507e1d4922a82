/// The error type of enrolment (`orchestrator-agent enroll`): a stable code, which decides the
/// exit status, and a message that names what went wrong.
public struct EnrollError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure, and the command's exit status for it.
    public enum Code: String, Sendable {
        /// Something on this device: a file or folder that cannot be written, a key that cannot be made. Exit 1.
        case local = "enroll_local"
        /// An argument is unusable (URL, key type, folder). Exit 64.
        case usage = "enroll_usage"
        /// The enrollment API cannot be reached, or answers with an error or something unreadable. Exit 3.
        case api = "enroll_api"
        /// The certificate the API returned fails the checks; nothing was installed. Exit 4.
        case certificateRefused = "certificate_refused"
        /// The pair already installed fails the checks (`--verify-installed`). Exit 5.
        case installedUnusable = "installed_unusable"

        /// The exit status of `orchestrator-agent enroll` for this code.
        public var exitStatus: Int32 {
            switch self {
            case .local: 1
            case .usage: 64
            case .api: 3
            case .certificateRefused: 4
            case .installedUnusable: 5
            }
        }
    }

    /// The kind of failure (stable; decides the exit status).
    public let code: Code
    /// What went wrong, naming the URL, file or check.
    public let message: String

    /// An error of `code` saying `message`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}
