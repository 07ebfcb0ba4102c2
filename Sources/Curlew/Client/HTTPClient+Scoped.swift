/// Runs `body` with a new client and shuts it down after, also when `body` throws. `body` runs
/// in the caller's isolation, so its result need not be `Sendable`.
public func withHTTPClient<Result>(
    configuration: HTTPClientConfiguration = HTTPClientConfiguration(),
    isolation: isolated (any Actor)? = #isolation,
    _ body: (HTTPClient) async throws -> Result
) async throws -> Result {
    let client = try HTTPClient(configuration: configuration)
    do {
        let result = try await body(client)
        await client.shutdown()
        return result
    } catch {
        await client.shutdown()
        throw error
    }
}
