import ArgumentParser
import Curlew
import Foundation
import HTTPTypes

/// `curlew get URL…`: one or more requests, concurrently, bodies to stdout (in the order given)
/// or to a file.
struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Fetch one or more URLs, concurrently.")

    @Argument(help: "The URLs to fetch.")
    var urls: [String]

    @Option(name: [.customShort("X"), .customLong("request")], help: "The request method.")
    var method = "GET"

    @Option(name: [.customShort("H"), .customLong("header")], help: "A request header, \"Name: value\"; repeatable.")
    var headers: [String] = []

    @Option(name: [.customShort("d"), .customLong("data")], help: "A request body; sends POST unless -X says otherwise.")
    var data: String?

    @Option(name: .customLong("data-binary"), help: "A request body from @file (or the text itself).")
    var dataBinary: String?

    @Option(name: [.customShort("o"), .customLong("output")], help: "Write the body to this file (one URL only).")
    var output: String?

    @Flag(name: [.customShort("L"), .customLong("location")], help: "Follow redirects (up to 10).")
    var followRedirects = false

    @Flag(name: .customLong("compressed"), help: "Ask for a compressed response and decode it.")
    var compressed = false

    @Flag(name: [.customShort("f"), .customLong("fail")], help: "Exit with 22 on an HTTP status of 400 or more.")
    var failOnError = false

    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Print request and response heads and timings on stderr.")
    var verbose = false

    @Flag(name: [.customShort("#"), .customLong("progress-bar")], help: "Draw upload and download progress on stderr even when it is not a terminal.")
    var progressBar = false

    @OptionGroup var transfer: TransferFlags

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if urls.isEmpty { throw ValidationError("give at least one URL") }
        if output != nil && urls.count > 1 { throw ValidationError("-o/--output takes one URL") }
        if [data != nil, dataBinary != nil, transfer.hasBody].filter({ $0 }).count > 1 {
            throw ValidationError("give one of -d, --data-binary, -F and -T")
        }
        for header in headers where !header.contains(":") {
            throw ValidationError("a header must look like \"Name: value\": \(header)")
        }
    }

    func run() async throws {
        var configuration = connection.configuration()
        configuration.redirects = followRedirects ? .follow(max: 10) : .disallow
        configuration.decompression = compressed
        let body = try requestBody()
        let (jar, cookieField) = try transfer.cookies()
        transfer.apply(to: &configuration, jar: jar)
        let client = try HTTPClient(configuration: configuration)
        let outcomes = await withTaskGroup(of: (Int, Result<Fetched, any Error>).self) { group in
            for (index, url) in urls.enumerated() {
                group.addTask { (index, await Result(catching: { try await fetch(url, client: client, body: body, cookie: cookieField) })) }
            }
            var outcomes: [(Int, Result<Fetched, any Error>)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes.sorted { $0.0 < $1.0 }
        }
        await client.shutdown()
        if let path = transfer.cookieJar, let jar { try jar.save(toFile: path) }
        var exitCode: Int32 = 0
        for (index, outcome) in outcomes {
            switch outcome {
            case .success(let fetched):
                if output == nil { FileHandle.standardOutput.write(Data(fetched.body)) }
                if failOnError && fetched.status >= 400 {
                    FileHandle.standardError.write(Data("curlew: \(urls[index]): the server answered \(fetched.status)\n".utf8))
                    exitCode = exitCode == 0 ? 22 : exitCode
                }
            case .failure(let error):
                Failure.report(urls[index], error)
                exitCode = exitCode == 0 ? Failure.exitCode(for: error) : exitCode
            }
        }
        if exitCode != 0 { throw ExitCode(exitCode) }
    }

    struct Fetched: Sendable {
        var status: Int
        var body: [UInt8]
    }

    private func requestBody() throws -> HTTPClientRequestBody? {
        if let data { return .string(data) }
        if let body = try transfer.body() { return body }
        guard let dataBinary else { return nil }
        guard dataBinary.hasPrefix("@") else { return .string(dataBinary) }
        return try .file(String(dataBinary.dropFirst()))
    }

    private var drawsProgress: Bool { progressBar || stderrIsTerminal }

    private func fetch(_ url: String, client: HTTPClient, body: HTTPClientRequestBody?, cookie: String?) async throws -> Fetched {
        var fields = HTTPFields()
        for header in headers {
            let parts = header.split(separator: ":", maxSplits: 1)
            guard let name = HTTPField.Name(String(parts[0]).trimmingCharacters(in: .whitespaces)) else {
                throw HTTPClientError(.invalidRequest, "not a valid header name: \(parts[0])")
            }
            fields.append(HTTPField(name: name, value: parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : ""))
        }
        if let cookie { fields[.cookie] = cookie }
        let defaultMethod = transfer.uploadFile != nil ? "PUT" : body != nil ? "POST" : "GET"
        let requestMethod = method == "GET" ? defaultMethod : method
        guard let httpMethod = HTTPRequest.Method(requestMethod) else {
            throw HTTPClientError(.invalidRequest, "not a valid method: \(requestMethod)")
        }
        let request = try HTTPClient.request(httpMethod, url, headers: fields)
        if verbose { printRequest(request, url: url) }
        var options = HTTPClientRequestOptions()
        let uploadBar = body != nil && drawsProgress && (transfer.hasBody || dataBinary?.hasPrefix("@") == true) ? ProgressBar("↑") : nil
        if let uploadBar {
            options.progress = { progress in
                guard let total = progress.totalToSend else { return }
                if progress.sent >= total { uploadBar.finish(progress.sent, of: total) } else { uploadBar.update(progress.sent, of: total) }
            }
        }
        if let output {
            let downloadBar = drawsProgress ? ProgressBar("↓") : nil
            if let downloadBar {
                let previous = options.progress
                options.progress = { progress in
                    previous?(progress)
                    downloadBar.update(progress.received, of: progress.totalToReceive)
                }
            }
            let download = try await client.download(request, to: output, body: body ?? .none, timeout: connection.duration, options: options)
            downloadBar?.finish(download.byteCount, of: download.byteCount)
            if verbose { printResponse(download.response) }
            printTimings(download.response)
            return Fetched(status: download.response.status.code, body: [])
        }
        let response = try await client.execute(request, body: body ?? .none, timeout: connection.duration, options: options)
        if verbose { printResponse(response) }
        var collected: [UInt8] = []
        for try await chunk in response.body { collected += chunk }
        printTimings(response)
        return Fetched(status: response.status.code, body: collected)
    }

    private func printTimings(_ response: HTTPClientResponse) {
        guard verbose, let metrics = response.body.metrics else { return }
        let line = String(format: "* timings: dns %.3f ms, connect %.3f ms, tls %.3f ms, first byte %.3f ms, total %.3f ms, connection %@",
                          metrics.nameLookup * 1000, metrics.connect * 1000, metrics.tlsHandshake * 1000,
                          metrics.firstByte * 1000, metrics.total * 1000, metrics.connectionReused ? "reused" : "new")
        FileHandle.standardError.write(Data("\(line)\n".utf8))
        if response.attempts > 1 { FileHandle.standardError.write(Data("* attempts: \(response.attempts)\n".utf8)) }
    }

    private func printRequest(_ request: HTTPRequest, url: String) {
        var text = "> \(request.method.rawValue) \(request.path ?? "/")\n> Host: \(request.authority ?? "")\n"
        for field in request.headerFields { text += "> \(field.name): \(field.value)\n" }
        FileHandle.standardError.write(Data("\(text)>\n".utf8))
    }

    private func printResponse(_ response: HTTPClientResponse) {
        var text = "< \(response.version.rawValue) \(response.status.code) \(response.status.reasonPhrase)\n"
        for field in response.headerFields { text += "< \(field.name): \(field.value)\n" }
        FileHandle.standardError.write(Data("\(text)<\n".utf8))
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
