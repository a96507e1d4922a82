#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A regular file read in 256 KiB chunks, as an async sequence (the body of an image import).
/// Each iteration opens the file again and closes it at the end (or when dropped).
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]

    let path: String
    /// The file's size when it was checked.
    let length: Int

    /// - Throws: `bad_params` (field `tar_path`) when the file is missing or not a regular file.
    init(path: String) throws(DockerEngineError) {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw DockerEngineError.badParams("tar_path", "cannot read '\(path)': \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw DockerEngineError.badParams("tar_path", "'\(path)' is not a regular file")
        }
        self.path = path
        self.length = Int(st.st_size)
    }

    func makeAsyncIterator() -> Iterator { Iterator(path: path) }

    struct Iterator: AsyncIteratorProtocol {
        let path: String
        var file: OpenFile?
        var done = false

        mutating func next() async throws -> [UInt8]? {
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

        init(path: String) throws {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw DockerEngineError(.badParams, "cannot open '\(path)'", field: "tar_path") }
        }

        func readChunk(max: Int) throws -> [UInt8] {
            var buffer = [UInt8](repeating: 0, count: max)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, max) }
                if n >= 0 { return Array(buffer.prefix(n)) }
                guard errno == EINTR else { throw DockerEngineError(.engineError, "reading the tar failed: errno \(errno)") }
            }
        }

        deinit { close(fd) }
    }
}
