/// What a request body's producer writes to: the transfer's upload, and the loop that sends it.
/// The state lives in the transfer's state machine (``UploadStateMachine``), under its lock.
struct UploadStream: Sendable {
    let transfer: Transfer
    let loop: EventLoop

    /// Queues `bytes`; waits while too much is pending.
    /// - Throws: ``HTTPClientError/Kind/requestBodyLengthMismatch`` past the declared length,
    ///   or the transfer's end.
    func write(_ bytes: some Collection<UInt8>) async throws {
        try await transfer.write(bytes, on: loop)
    }

    /// Marks the end of the body.
    /// - Throws: ``HTTPClientError/Kind/requestBodyLengthMismatch`` before the declared length.
    func end() throws(HTTPClientError) {
        try transfer.endUpload(on: loop)
    }
}
