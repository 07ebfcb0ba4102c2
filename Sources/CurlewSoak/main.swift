import Curlew
import CurlewLocks
import CurlewTestSupport
import Foundation
import HTTPTypes
import LibCurl

// `curlew-soak [--short] [--sanitizer]`: bounded loopback soak and storm runs, each ending in
// PASS or FAIL lines for its bounds (see Phases.swift); exits 1 when a bound failed. `--short`
// runs a tenth of every count (what `make test` runs); `make soak` runs the whole.
// `--sanitizer` (`make test-asan`) prints the RSS bounds without enforcing them.
// The run is a function rather than top-level code: top-level variables are globals, and
// LeakSanitizer (`make test-asan` runs `--short` under it) reported a string made by the first
// statement of the top-level version as leaked, in one run of several.
func runSoak() async throws -> Int32 {
    let short = CommandLine.arguments.contains("--short")
    let scale = short ? 10 : 1
    let verdicts = Verdicts(memoryBounds: !CommandLine.arguments.contains("--sanitizer"))
    let nginx = try Nginx()
    defer { nginx.stop() }
    say("curlew-soak\(short ? " --short" : ""): libcurl \(CurlVersion.current.version), \(ProcessInfo.processInfo.activeProcessorCount) cores")

    // One client made and shut down first: what the process opens once (libcurl's and GnuTLS's
    // global state) is then not counted against the first phase's descriptors.
    let warm = try HTTPClient()
    _ = try? await warm.get(nginx.httpURL("/small")).body.collect(upTo: 1 << 16)
    await warm.shutdown()

    let soak = Phases(nginx: nginx, verdicts: verdicts, scale: scale)
    // CURLEW_SOAK_ONLY=load,storm,shutdown,websockets runs those phases only.
    let only = ProcessInfo.processInfo.environment["CURLEW_SOAK_ONLY"].map { Set($0.split(separator: ",").map(String.init)) }
    let runs = { (phase: String) -> Bool in only?.contains(phase) ?? true }
    for version in Phases.Version.allCases where runs("load") {
        try await soak.load(version, requests: (version == .h1 ? 1_000_000 : 300_000) / scale)
    }
    for version in Phases.Version.allCases where runs("storm") {
        try await soak.cancellations(version, count: 100_000 / scale)
    }
    if runs("shutdown") { try await soak.shutdownInFlight(count: 10_000 / scale) }
    if !runs("websockets") {
    } else if CurlVersion.current.supportsWebSocket {
        try await soak.webSockets(count: 1_000 / scale, seconds: 60 / scale)
    } else {
        verdicts.note("websockets: skipped, libcurl \(CurlVersion.current.version) has no WebSocket (the suite checks the typed error there)")
    }
    say(verdicts.failures == 0 ? "soak: every bound held" : "soak: \(verdicts.failures) bound(s) failed")
    return verdicts.failures == 0 ? 0 : 1
}

exit(try await runSoak())
