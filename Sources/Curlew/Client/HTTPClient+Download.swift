public import HTTPTypes
public import Logging
internal import Foundation

/// A response whose body was written to a file.
public struct HTTPClientDownload: Sendable {
    /// The response; its body has been read (into the file).
    public var response: HTTPClientResponse
    /// Where the body is.
    public var path: String
    /// Bytes written (the body after decoding).
    public var byteCount: Int64
}

extension HTTPClient {
    /// Sends `request` and writes the response body to the file at `path`, whatever the
    /// status (check ``HTTPClientResponse/status``).
    ///
    /// The body streams to a temporary file beside `path` (`.<name>.curlew-<random>`), which is
    /// renamed to `path` once the body is complete, replacing what was there, and removed if
    /// the request fails, is cancelled or cannot be written: `path` never holds a partial
    /// body. A destination that cannot be created fails before the request is sent. Memory stays bounded by the response buffer
    /// (``HTTPClientConfiguration/responseBufferHighWater``) whatever the body's size. Writes
    /// happen on the calling task.
    /// - Throws: ``HTTPClientError``: the request's failures, or
    ///   ``HTTPClientError/Kind/fileError`` when the file cannot be written.
    public func download(
        _ request: HTTPRequest, to path: String, body: HTTPClientRequestBody = .none, timeout: Duration? = nil,
        options: HTTPClientRequestOptions = HTTPClientRequestOptions(), logger: Logger? = nil
    ) async throws -> HTTPClientDownload {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        guard !name.isEmpty else { throw HTTPClientError(.fileError, "\(path.debugDescription) names no file") }
        let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).curlew-\(UInt32.random(in: 0...UInt32.max))"
        // The file first: a destination that cannot be written fails before anything is sent.
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw HTTPClientError(.fileError, "cannot create \(temporary.debugDescription) to download into", detail: String(cString: strerror(errno)))
        }
        var written: Int64 = 0
        let response: HTTPClientResponse
        do {
            response = try await execute(request, body: body, timeout: timeout, options: options, logger: logger)
            for try await chunk in response.body {
                try Self.write(chunk, to: descriptor, path: temporary)
                written += Int64(chunk.count)
            }
        } catch {
            _ = close(descriptor)
            unlink(temporary)
            throw error
        }
        guard close(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw HTTPClientError(.fileError, "cannot write \(temporary.debugDescription)", detail: reason)
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw HTTPClientError(.fileError, "cannot move the download to \(path.debugDescription)", detail: reason)
        }
        return HTTPClientDownload(response: response, path: path, byteCount: written)
    }

    /// GETs `url` into the file at `path`: see ``download(_:to:body:timeout:options:logger:)``.
    public func download(
        _ url: String, to path: String, headers: HTTPFields = [:], timeout: Duration? = nil,
        options: HTTPClientRequestOptions = HTTPClientRequestOptions(), logger: Logger? = nil
    ) async throws -> HTTPClientDownload {
        try await download(try Self.request(.get, url, headers: headers), to: path, timeout: timeout, options: options, logger: logger)
    }

    private static func write(_ chunk: [UInt8], to descriptor: Int32, path: String) throws(HTTPClientError) {
        var offset = 0
        while offset < chunk.count {
            let count = chunk.withUnsafeBytes { bytes in bytes.baseAddress.map { Glibc.write(descriptor, $0 + offset, bytes.count - offset) } ?? 0 }
            if count < 0 {
                if errno == EINTR { continue }
                throw HTTPClientError(.fileError, "cannot write \(path.debugDescription)", detail: String(cString: strerror(errno)))
            }
            offset += count
        }
    }
}
