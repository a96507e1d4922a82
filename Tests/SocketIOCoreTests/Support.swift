import SocketIOCore
import Testing

/// Runs `body` and returns the code of the ``FramingError`` it threw, or nil if it did not throw.
/// Any other error is recorded as a test issue.
func framingCode<T>(_ body: () throws -> T) -> FramingError.Code? {
    do {
        _ = try body()
        return nil
    } catch let error as FramingError {
        return error.code
    } catch {
        Issue.record("unexpected non-FramingError \(error)")
        return nil
    }
}

