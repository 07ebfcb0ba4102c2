import BenchmarkSupport
import Curlew
import Foundation

/// The message every ws echo sends: 64 bytes of text.
let echoMessage = String(repeating: "curlew bench ", count: 5).prefix(64).description

/// One load task's socket and message iterator, made before the clock starts.
final class EchoSlot: @unchecked Sendable {
    // @unchecked Sendable: `iterator` is touched only by the one load task whose worker index
    // is this slot's (runLoad gives each task its own), after `init` ran on the task that made
    // the slots, and the task group's start orders that before any load task runs.
    let socket: WebSocket
    var iterator: WebSocket.Messages.AsyncIterator

    init(_ socket: WebSocket) {
        self.socket = socket
        iterator = socket.messages.makeAsyncIterator()
    }
}

/// `ws` mode: opens C sockets, then N echoes through them, and prints the matrix's line
/// (`rps` counts echoes per second).
func echoLoad(_ client: HTTPClient, _ arguments: BenchmarkArguments, name: String, onLoop: Bool) async {
    let count = min(arguments.concurrency, arguments.total)
    let opened: [WebSocket]
    do {
        opened = try await withThrowingTaskGroup(of: WebSocket.self) { group in
            for _ in 0..<count { group.addTask { try await client.webSocket(arguments.url) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    } catch let error as HTTPClientError where error.kind == .unsupported {
        unsupported(client: "curlew", protocolName: "ws", because: error.message)
    } catch {
        FileHandle.standardError.write(Data("CurlewClient: cannot open the WebSockets: \(error)\n".utf8))
        exit(1)
    }
    let slots = opened.map(EchoSlot.init)
    let result = await runLoad(arguments, executor: { _ in onLoop ? client.taskExecutor : nil }) { worker in
        let slot = slots[worker]
        do {
            try await slot.socket.send(.text(echoMessage))
            let echo = try await slot.iterator.next()
            return RequestOutcome(bytes: echoMessage.utf8.count, failure: echo == .text(echoMessage) ? nil : "echo \(String(describing: echo))")
        } catch {
            return RequestOutcome(bytes: 0, failure: "\(error)")
        }
    }
    for socket in opened { try? await socket.close() }
    await client.shutdown()
    result.reportFailures(program: "CurlewClient")
    print(result.line(client: name, arguments))
}
