internal import Foundation

/// Reads a ``BodySegments`` body into libcurl's upload buffers on the loop thread: bytes from
/// memory, files with `pread` from a descriptor opened when first read and closed when the
/// reader goes. Seeks back for libcurl's rewinds (307/308 redirects, authentication rounds).
/// Loop-confined.
final class SegmentReader {
    private let body: BodySegments
    /// The segment being read, and the offset in it.
    private var index = 0
    private var offset: Int64 = 0
    /// The open file and the segment it belongs to.
    private var file: (index: Int, descriptor: Int32)?

    init(_ body: BodySegments) { self.body = body }

    deinit { closeFile() }

    enum Result {
        case bytes(Int)
        case failed(HTTPClientError)
    }

    /// Fills `buffer` from the current position: 0 bytes at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Result {
        var filled = 0
        while filled < buffer.count, index < body.segments.count {
            let segment = body.segments[index]
            let left = segment.length - offset
            if left <= 0 {
                index += 1
                offset = 0
                continue
            }
            let count = Int(min(Int64(buffer.count - filled), left))
            let target = UnsafeMutableRawBufferPointer(rebasing: buffer[filled..<filled + count])
            switch segment {
            case .bytes(let bytes):
                bytes.withUnsafeBytes { source in
                    target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[Int(offset)..<Int(offset) + count]))
                }
                filled += count
                offset += Int64(count)
            case .file(let path, let length):
                guard let descriptor = openFile(index, path) else {
                    return .failed(HTTPClientError(.fileError, "cannot open the body's file \(path.debugDescription)",
                                                   detail: String(cString: strerror(errno))))
                }
                let got = pread(descriptor, target.baseAddress, count, off_t(offset))
                if got < 0 {
                    if errno == EINTR { continue }
                    return .failed(HTTPClientError(.fileError, "cannot read the body's file \(path.debugDescription)",
                                                   detail: String(cString: strerror(errno))))
                }
                if got == 0 {
                    return .failed(HTTPClientError(.requestBodyLengthMismatch,
                                                   "the file \(path.debugDescription) ended after \(offset) of its \(length) bytes: it shrank after the request was made"))
                }
                filled += got
                offset += Int64(got)
            }
            // A short read from a file returns what it has; the next call goes on.
            if case .file = segment, filled > 0 { break }
        }
        return .bytes(filled)
    }

    /// Moves to `position` bytes from the body's start; `false` past its end.
    func seek(to position: Int64) -> Bool {
        guard position >= 0, position <= body.length else { return false }
        var remaining = position
        index = 0
        while index < body.segments.count, remaining >= body.segments[index].length, body.segments[index].length > 0 || remaining > 0 {
            remaining -= body.segments[index].length
            index += 1
        }
        offset = remaining
        return true
    }

    private func openFile(_ index: Int, _ path: String) -> Int32? {
        if let file, file.index == index { return file.descriptor }
        closeFile()
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        file = (index, descriptor)
        return descriptor
    }

    private func closeFile() {
        if let file { _ = close(file.descriptor) }
        file = nil
    }
}
