/// A Docker Engine API version, `major.minor` (e.g. 1.41).
public struct APIVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let major: Int
    public let minor: Int

    public init(_ major: Int, _ minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `"1.41"`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]), major >= 0, minor >= 0 else {
            return nil
        }
        self.init(major, minor)
    }

    /// The newest API version this driver speaks: the negotiated version is
    /// `min(engine's ApiVersion, maximum)`.
    public static let maximum = APIVersion(1, 47)
    /// From this version on, `container.create` attaches every network at create time with its
    /// own endpoint MAC address; below it, one network at create and the others connected after.
    public static let endpointsAtCreate = APIVersion(1, 44)

    /// The URL path prefix, e.g. `/v1.41`.
    public var pathPrefix: String { "/v\(self)" }

    public var description: String { "\(major).\(minor)" }

    public static func < (lhs: APIVersion, rhs: APIVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }
}
