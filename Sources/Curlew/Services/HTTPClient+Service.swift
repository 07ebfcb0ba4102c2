public import ServiceLifecycle

extension HTTPClient: Service {
    /// Runs the client as a ServiceLifecycle service, until the `ServiceGroup` it runs in shuts
    /// down.
    ///
    /// On graceful shutdown, requests in flight get
    /// ``HTTPClientConfiguration/shutdownGracePeriod`` to finish (new ones fail with
    /// ``HTTPClientError/Kind/shutdown``), then `run()` returns. On cancellation (the group
    /// cancels its services, or a graceful shutdown is cut short) every request in flight fails
    /// with ``HTTPClientError/Kind/shutdown`` at once. Either way the client is shut down when
    /// `run()` returns.
    ///
    /// ```swift
    /// let client = try HTTPClient(configuration: configuration)
    /// let group = ServiceGroup(services: [client, server], gracefulShutdownSignals: [.sigterm], logger: logger)
    /// try await group.run()
    /// ```
    public func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            // Cancelled before any graceful shutdown: stop at once.
            await shutdown(gracePeriod: .zero)
            return
        }
        await withTaskCancellationHandler {
            await shutdown(gracePeriod: .milliseconds(Int64(TimeLimit.milliseconds(configuration.shutdownGracePeriod))))
        } onCancel: {
            engine?.expediteShutdown()
        }
    }
}
