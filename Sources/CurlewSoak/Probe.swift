import Foundation

/// The process's resident memory and open descriptors, read from /proc.
enum Probe {
    /// Resident set size in KiB (`/proc/self/statm`, second field, in pages).
    static func rssKiB() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return -1 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
    }

    /// Open file descriptors (`/proc/self/fd` entries, the listing's own excluded).
    static func openDescriptors() -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.count ?? 0) - 1
    }
}

/// The outcome of one bound: printed as a PASS or FAIL line, counted for the exit code.
final class Verdicts: @unchecked Sendable {
    // @unchecked Sendable: used from the main task only (the phases run one after another).
    private(set) var failures = 0
    /// Whether RSS bounds count: not under AddressSanitizer, whose quarantine holds freed memory
    /// back (RSS there moved 7–14 % between the 10 % mark and the end of a load phase).
    let memoryBounds: Bool

    init(memoryBounds: Bool) { self.memoryBounds = memoryBounds }

    func check(_ passed: Bool, _ name: String, _ detail: String) {
        if !passed { failures += 1 }
        say("\(passed ? "PASS" : "FAIL") \(name): \(detail)")
    }

    /// A bound on RSS: checked as the others, or only printed under a sanitizer.
    func checkMemory(_ passed: Bool, _ name: String, _ detail: String) {
        guard memoryBounds else { return say("INFO \(name): \(detail) (not a bound under a sanitizer)") }
        check(passed, name, detail)
    }

    func note(_ text: String) { say("     \(text)") }
}

/// One line on stdout, written at once (also into a pipe: the soak takes minutes).
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

func mib(_ kib: Int) -> String { String(format: "%.1f MiB", Double(kib) / 1024) }

func percent(_ from: Int, _ to: Int) -> Double { from > 0 ? Double(to - from) / Double(from) * 100 : 0 }
