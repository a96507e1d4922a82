extension ContainerEngineError {
    /// A stable snake_case code. Compare codes, not messages.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The code as text, e.g. `engine_not_found`.
        public let rawValue: String
        private init(_ raw: String) { rawValue = raw }

        /// A parameter is missing or has the wrong type (``ContainerEngineError/field`` names it).
        public static let badParams = Code("bad_params")
        /// No such method, or a method this engine does not offer (see `engine.capabilities`).
        public static let unknownMethod = Code("unknown_method")
        /// The plugin configuration is unusable (e.g. a `tcp://` engine address).
        public static let badConfig = Code("bad_config")
        /// The socket cannot be connected or the connection broke.
        public static let engineUnreachable = Code("engine_unreachable")
        /// No complete answer within the call's timeout.
        public static let engineTimeout = Code("engine_timeout")
        /// HTTP 404: no such container, image or network.
        public static let engineNotFound = Code("engine_not_found")
        /// HTTP 409: name in use and the like.
        public static let engineConflict = Code("engine_conflict")
        /// HTTP 400: the engine refused the request's content.
        public static let engineBadRequest = Code("engine_bad_request")
        /// HTTP 403: the engine refused the operation (pool overlap, endpoint exists, network in use…).
        public static let engineForbidden = Code("engine_forbidden")
        /// HTTP 5xx, an error line in a progress stream, or any other unexpected answer.
        public static let engineError = Code("engine_error")
        /// The engine's body did not decode.
        public static let engineBadResponse = Code("engine_bad_response")
        /// The calling task was cancelled.
        public static let cancelled = Code("cancelled")

        // The `agent.upgrader` swap (docs/upgrade.md): the step that failed.
        /// `swap.prepare`: the container to replace cannot be inspected (or lacks id, name, image).
        public static let targetNotFound = Code("target_not_found")
        /// `swap.prepare`: the image the container runs cannot be inspected.
        public static let imageInspectFailed = Code("image_inspect_failed")
        /// `swap.prepare`: a `<name>_previous` container exists and runs.
        public static let previousExists = Code("previous_exists")
        /// `swap.begin`: the restart policy could not be set to `no`.
        public static let updateFailed = Code("update_failed")
        /// `swap.begin`: the container could not be stopped.
        public static let stopFailed = Code("stop_failed")
        /// `swap.begin`: the container could not be renamed to `<name>_previous`.
        public static let renameFailed = Code("rename_failed")
        /// `swap.begin`: the successor could not be created.
        public static let createFailed = Code("create_failed")
        /// `swap.begin`: the successor could not be started.
        public static let startFailed = Code("start_failed")
        /// `swap.rollback`: the previous container does not run again.
        public static let rollbackFailed = Code("rollback_failed")
        /// The token names no open swap (never issued, or already committed or rolled back).
        public static let unknownToken = Code("unknown_token")
        /// The token's swap is not in a state for this method (`swap.status`/`swap.commit` before
        /// `swap.begin` succeeded, `swap.begin` twice, a call while another runs on it).
        public static let swapState = Code("swap_state")

        // `container.device_node` / `container.device_node_remove` (docs/container-driver.md).
        /// The container exists but does not run (no mount namespace to put a node in).
        public static let containerNotRunning = Code("container_not_running")
        /// The host path is missing or is not a character device.
        public static let hostNodeInvalid = Code("host_node_invalid")
        /// The kernel refused a step (entering the namespace, making the path, the mount); the
        /// message names the step and the errno text.
        public static let deviceNodeFailed = Code("device_node_failed")

        public var description: String { rawValue }
    }
}
