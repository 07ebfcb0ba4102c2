internal import CurlewLocks
internal import Metrics

/// One client's swift-metrics handles, made once per label and dimensions and reused: making a
/// handle goes through the bootstrapped factory (a lock and a lookup of its own in most
/// backends), which cost about a quarter of a request's CPU when done per request. At most
/// ``limit`` handles are kept; past that (dimensions that keep changing, such as many servers),
/// handles are made per use as before.
final class MetricHandles: Sendable {
    struct Key: Hashable, Sendable {
        var label: String
        var dimensions: [String]

        init(_ label: String, _ dimensions: [(String, String)]) {
            self.label = label
            self.dimensions = dimensions.flatMap { [$0.0, $0.1] }
        }
    }

    static let limit = 4096

    private struct Handles: Sendable {
        var timers: [Key: Timer] = [:]
        var counters: [Key: Counter] = [:]
        var recorders: [Key: Recorder] = [:]
        var meters: [Key: Meter] = [:]
        var count: Int { timers.count + counters.count + recorders.count + meters.count }
    }

    private let handles = Locked(Handles())

    func timer(_ label: String, _ dimensions: [(String, String)]) -> Timer {
        handle(label, dimensions, \.timers) { Timer(label: label, dimensions: dimensions, preferredDisplayUnit: .seconds) }
    }

    func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        handle(label, dimensions, \.counters) { Counter(label: label, dimensions: dimensions) }
    }

    func recorder(_ label: String, _ dimensions: [(String, String)]) -> Recorder {
        handle(label, dimensions, \.recorders) { Recorder(label: label, dimensions: dimensions) }
    }

    func meter(_ label: String, _ dimensions: [(String, String)]) -> Meter {
        handle(label, dimensions, \.meters) { Meter(label: label, dimensions: dimensions) }
    }

    private func handle<Handle: Sendable>(
        _ label: String, _ dimensions: [(String, String)], _ table: WritableKeyPath<Handles, [Key: Handle]>, make: () -> Handle
    ) -> Handle {
        let key = Key(label, dimensions)
        if let found = handles.withLock({ $0[keyPath: table][key] }) { return found }
        // Made outside the lock: the factory may take locks of its own.
        let made = make()
        return handles.withLock { handles in
            if let found = handles[keyPath: table][key] { return found }
            guard handles.count < Self.limit else { return made }
            handles[keyPath: table][key] = made
            return made
        }
    }
}
