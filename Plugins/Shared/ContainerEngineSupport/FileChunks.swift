#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A regular file read in 256 KiB chunks, as an async sequence (the body of an image import).
/// Each iteration opens the file again and closes it at the end (or when dropped).
public struct FileChunks: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    /// The file.
    public let path: String
    /// The file's size when it was checked.
    public let length: Int

    /// - Throws: `bad_params` (field `tar_path`) when the file is missing or not a regular file.
    public init<Failure: DriverFailure>(path: String, failure: Failure.Type) throws(Failure) {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw Failure.badParams("tar_path", "cannot read '\(path)': \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw Failure.badParams("tar_path", "'\(path)' is not a regular file")
        }
        self.path = path
        self.length = Int(st.st_size)
    }

    public func makeAsyncIterator() -> Iterator { Iterator(path: path) }

    /// Reads the file from its start.
    public struct Iterator: AsyncIteratorProtocol {
        let path: String
        var file: OpenFile?
        var done = false

        public mutating func next() async throws -> [UInt8]? {
            guard !done else { return nil }
            if file == nil { file = try OpenFile(path: path) }
            guard let file else { return nil }
            let chunk = try file.readChunk(max: 256 << 10)
            if chunk.isEmpty {
                done = true
                self.file = nil
                return nil
            }
            return chunk
        }
    }

    /// An open descriptor, closed on deinit.
    final class OpenFile {
        let fd: Int32
        let path: String

        init(path: String) throws {
            self.path = path
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw FileChunksError(message: "cannot open '\(path)': errno \(errno)") }
        }

        func readChunk(max: Int) throws -> [UInt8] {
            var buffer = [UInt8](repeating: 0, count: max)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, max) }
                if n >= 0 { return Array(buffer.prefix(n)) }
                guard errno == EINTR else { throw FileChunksError(message: "reading '\(path)' failed: errno \(errno)") }
            }
        }

        deinit { close(fd) }
    }
}

/// A file that could be checked but not read while streaming (the request body fails with it).
public struct FileChunksError: Error, Sendable, CustomStringConvertible {
    /// What failed, with the errno.
    public let message: String
    public var description: String { message }
}
