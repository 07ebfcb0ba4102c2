import Curlew
import CurlewLocks
import CurlewTestSupport
import Foundation
import HTTPTypes
import LibCurl

// `curlew-soak [--short]`: bounded loopback soak and storm runs, each ending in PASS or FAIL
// lines for its bounds (see Phases.swift); exits 1 when a bound failed. `--short` runs a
// tenth of every count (what `make test` runs); `make soak` runs the whole.
let short = CommandLine.arguments.contains("--short")
let scale = short ? 10 : 1
let verdicts = Verdicts()
let nginx = try Nginx()
defer { nginx.stop() }
print("curlew-soak\(short ? " --short" : ""): libcurl \(CurlVersion.current.version), \(ProcessInfo.processInfo.activeProcessorCount) cores")

// One client made and shut down first: what the process opens once (libcurl's and GnuTLS's
// global state) is then not counted against the first phase's descriptors.
let warm = try HTTPClient()
_ = try? await warm.get(nginx.httpURL("/small")).body.collect(upTo: 1 << 16)
await warm.shutdown()

let soak = Phases(nginx: nginx, verdicts: verdicts, scale: scale)
for version in Phases.Version.allCases {
    try await soak.load(version, requests: (version == .h1 ? 1_000_000 : 300_000) / scale)
}
for version in Phases.Version.allCases {
    try await soak.cancellations(version, count: 100_000 / scale)
}
try await soak.shutdownInFlight(count: 10_000 / scale)
if CurlVersion.current.supportsWebSocket {
    try await soak.webSockets(count: 1_000 / scale, seconds: 60 / scale)
} else {
    verdicts.note("websockets: skipped, libcurl \(CurlVersion.current.version) has no WebSocket (the suite checks the typed error there)")
}
print(verdicts.failures == 0 ? "soak: every bound held" : "soak: \(verdicts.failures) bound(s) failed")
exit(verdicts.failures == 0 ? 0 : 1)
