import ArgumentParser
import Curlew
import CurlewLocks
import Foundation
import HTTPTypes

/// `curlew ws URL`: lines from stdin go out as messages, messages received go to stdout.
struct WS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ws",
        abstract: "Talk to a WebSocket: stdin lines out as messages, messages received to stdout.",
        discussion: """
        Each line read from stdin is sent as a text message (--binary: a binary one, without the \
        newline). Each message received is printed on a line of its own (binary ones as they are). \
        At the end of stdin the command waits until no message has come for --linger seconds \
        (replies to the last lines: a server stops sending once it has the close), then closes \
        (1000) and waits for the server's close. Exit codes as curl's: 0 after a clean close, \
        7 refused, 6 DNS, 28 timeout, 35/60 TLS.
        """
    )

    @Argument(help: "A ws:// or wss:// URL.")
    var url: String

    @Option(name: [.customShort("H"), .customLong("header")], help: "An upgrade request header, \"Name: value\"; repeatable.")
    var headers: [String] = []

    @Option(name: .customLong("subprotocol"), help: "A subprotocol to offer; repeatable, in order of preference.")
    var subprotocols: [String] = []

    @Flag(name: .customLong("binary"), help: "Send stdin lines as binary messages.")
    var binary = false

    @Option(name: .customLong("linger"), help: "Seconds without a message to wait at the end of stdin before closing (default 1).")
    var linger: Double = 1

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        for header in headers where !header.contains(":") {
            throw ValidationError("a header must look like \"Name: value\": \(header)")
        }
        guard linger >= 0, linger.isFinite else { throw ValidationError("--linger must be 0 or more seconds") }
    }

    func run() async throws {
        let client = try HTTPClient(configuration: connection.configuration())
        let code: Int32
        do {
            try await talk(client)
            code = 0
        } catch {
            Failure.report(url, error)
            code = Failure.exitCode(for: error)
        }
        await client.shutdown()
        if code != 0 { throw ExitCode(code) }
    }

    private func talk(_ client: HTTPClient) async throws {
        var fields = HTTPFields()
        for header in headers {
            let name = header.prefix { $0 != ":" }.trimmingCharacters(in: .whitespaces)
            let value = header.drop { $0 != ":" }.dropFirst().trimmingCharacters(in: .whitespaces)
            guard let fieldName = HTTPField.Name(name) else { throw ValidationError("not a header name: \(name)") }
            fields.append(HTTPField(name: fieldName, value: value))
        }
        let socket = try await client.webSocket(url, headers: fields, subprotocols: subprotocols, timeout: connection.duration)
        if let chosen = socket.subprotocol { FileHandle.standardError.write(Data("curlew: subprotocol \(chosen)\n".utf8)) }
        let lastMessage = Locked(ContinuousClock.now)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await message in socket.messages {
                    lastMessage.withLock { $0 = .now }
                    switch message {
                    // write(contentsOf:) throws on a closed stdout (write(_:) would trap).
                    case .text(let text): try FileHandle.standardOutput.write(contentsOf: Data((text + "\n").utf8))
                    case .binary(let bytes): try FileHandle.standardOutput.write(contentsOf: Data(bytes))
                    }
                }
            }
            group.addTask { [binary, linger] in
                // readLine blocks: the lines are read on a thread of Dispatch's, not a task's.
                for await line in StandardInputLines() {
                    try await socket.send(binary ? .binary(Array(line.utf8)) : .text(line))
                }
                lastMessage.withLock { $0 = .now }
                while socket.closeFrame == nil, ContinuousClock.now - lastMessage.withLock({ $0 }) < .milliseconds(Int64(linger * 1000)) {
                    try await Task.sleep(for: .milliseconds(20))
                }
                try await socket.close()
            }
            try await group.waitForAll()
        }
        if let close = socket.closeFrame, close.code != .normal, close.code != .noStatus {
            FileHandle.standardError.write(Data("curlew: closed by the server with \(close.code) \(close.reason)\n".utf8))
        }
    }
}

/// Lines of stdin, read on a Dispatch thread so that no task blocks.
struct StandardInputLines: AsyncSequence {
    typealias Element = String

    func makeAsyncIterator() -> AsyncStream<String>.Iterator {
        AsyncStream<String> { continuation in
            DispatchQueue.global().async {
                while let line = readLine(strippingNewline: true) { continuation.yield(line) }
                continuation.finish()
            }
        }.makeAsyncIterator()
    }
}
