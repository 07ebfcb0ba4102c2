import Foundation

/// A progress bar on stderr, for a download or an upload, drawn only on a terminal and at most
/// every 100 ms.
final class ProgressBar: @unchecked Sendable {
    // @unchecked Sendable: its mutable state (`lastDraw`, `finished`) is read and written only under `lock`,
    // so the loop thread's progress callback and the reading task may both call it.
    private let lock = NSLock()
    private let label: String
    private var lastDraw = ContinuousClock.now
    private var finished = false

    init(_ label: String) { self.label = label }

    func update(_ done: Int64, of total: Int64?) {
        lock.withLock {
            guard !finished, ContinuousClock.now - lastDraw > .milliseconds(100) else { return }
            lastDraw = .now
            draw(done, total)
        }
    }

    func finish(_ done: Int64, of total: Int64?) {
        lock.withLock {
            guard !finished else { return }
            finished = true
            draw(done, total)
            FileHandle.standardError.write(Data("\n".utf8))
        }
    }

    private func draw(_ done: Int64, _ total: Int64?) {
        var line = String(format: "\r%@ %8.2f MiB", label, Double(done) / 1_048_576)
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let width = 30
            let filled = Int(fraction * Double(width))
            line += " [" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "]"
            line += String(format: " %3.0f%%", fraction * 100)
        }
        FileHandle.standardError.write(Data(line.utf8))
    }
}
