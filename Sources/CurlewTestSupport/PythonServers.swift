internal import Foundation

/// What the servers written in Python (`Tests/Servers/`, or packages from PyPI) share: finding
/// their script, checking the interpreter has their pinned packages, starting them with a log.
extension Loopback {
    /// `Tests/Servers/<name>`, found from this file's place in the package.
    static func serverScript(_ name: String) -> String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/Servers/\(name)").path
    }

    /// `python3`, checked to import `modules` (packages `make test` installs, pinned).
    static func python(importing modules: [String]) throws -> String {
        let python = try executable("python3")
        guard !modules.isEmpty else { return python }
        do {
            try run(python, ["-c", "import " + modules.joined(separator: ", ")])
        } catch {
            throw TestServerError("\(modules.joined(separator: " or ")) is missing from \(python): run `make test`, which installs the tests' Python packages\n\(error)")
        }
        return python
    }

    /// Starts `Tests/Servers/<script>` with `python3` (checked to import `modules`) and
    /// `arguments`, its output in a log in a new folder, and waits until every one of `ports`
    /// accepts connections.
    static func startScript(_ script: String, importing modules: [String] = [], arguments: [String], ports: [Int]) throws -> ServerProcess {
        let python = try python(importing: modules)
        let path = serverScript(script)
        guard FileManager.default.fileExists(atPath: path) else { throw TestServerError("\(script) is not at \(path)") }
        let folder = try temporaryFolder("curlew-test-\(script.split(separator: ".")[0])")
        let logPath = "\(folder)/\(script).log"
        let process = try ServerProcess(name: script, executable: python, arguments: [path] + arguments, logPath: logPath)
        try waitUntilListening(ports, process: process, logPath: logPath)
        return process
    }
}
