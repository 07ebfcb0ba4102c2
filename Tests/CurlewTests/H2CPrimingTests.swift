@testable import Curlew
import Testing

/// The curl #10634 workaround as a value, with plain objects standing in for transfers: no I/O.
@Suite("H2CPriming")
struct H2CPrimingTests {
    final class Item: CustomStringConvertible {
        let name: String
        init(_ name: String) { self.name = name }
        var description: String { name }
    }

    typealias Priming = H2CPriming<Item>
    let origin = "http://127.0.0.1:8080"

    @Test("the first transfer primes; the others wait for it and go as followers once it succeeded")
    func primes() {
        var priming = Priming(maxConcurrentStreams: 1000)
        let (a, b, c) = (Item("a"), Item("b"), Item("c"))
        #expect(priming.admit(a, origin: origin) == .primer)
        #expect(priming.admit(b, origin: origin) == nil)
        #expect(priming.admit(c, origin: origin) == nil)
        let ended = priming.ended(a, origin: origin, outcome: .succeeded)
        #expect(!ended.relaunch)
        #expect(ended.released.map(\.name) == ["b", "c"])
        #expect(priming.admit(b, origin: origin) == .follower)
        #expect(priming.admit(c, origin: origin) == .follower)
        #expect(priming.primers == 1)
    }

    @Test("a failed primer leaves the origin unprimed: the next transfer primes again")
    func failedPrimer() {
        var priming = Priming(maxConcurrentStreams: 1000)
        let (a, b) = (Item("a"), Item("b"))
        #expect(priming.admit(a, origin: origin) == .primer)
        #expect(priming.admit(b, origin: origin) == nil)
        let ended = priming.ended(a, origin: origin, outcome: .failed(connectionGone: false))
        #expect(ended.released.map(\.name) == ["b"])
        #expect(priming.admit(b, origin: origin) == .primer)
        #expect(priming.primers == 2)
    }

    @Test("origins are primed apart")
    func origins() {
        var priming = Priming(maxConcurrentStreams: 1000)
        #expect(priming.admit(Item("a"), origin: origin) == .primer)
        #expect(priming.admit(Item("b"), origin: "http://127.0.0.1:9090") == .primer)
    }

    @Test("at most min(maxConcurrentStreams, 100) per origin in flight; the rest wait in line, oldest first")
    func cap() {
        var priming = Priming(maxConcurrentStreams: 3)
        let primer = Item("p")
        #expect(priming.admit(primer, origin: origin) == .primer)
        _ = priming.ended(primer, origin: origin, outcome: .succeeded)
        let items = (0..<5).map { Item("\($0)") }
        let roles = items.map { priming.admit($0, origin: origin) }
        #expect(roles == [.follower, .follower, .follower, nil, nil])
        let ended = priming.ended(items[0], origin: origin, outcome: .succeeded)
        #expect(ended.released.map(\.name) == ["3"])
        #expect(priming.admit(items[3], origin: origin) == .follower)
        #expect(Priming(maxConcurrentStreams: 1000).defaultCap == 100)
    }

    @Test("a follower whose connection is gone is relaunched once, as a primer, and the cap drops to the others running")
    func relaunch() {
        var priming = Priming(maxConcurrentStreams: 1000)
        let primer = Item("p")
        _ = priming.admit(primer, origin: origin)
        _ = priming.ended(primer, origin: origin, outcome: .succeeded)
        let (a, b, c) = (Item("a"), Item("b"), Item("c"))
        for item in [a, b, c] { #expect(priming.admit(item, origin: origin) == .follower) }
        let ended = priming.ended(a, origin: origin, outcome: .failed(connectionGone: true))
        #expect(ended.relaunch)
        #expect(priming.admit(a, origin: origin) == .primer)
        // Failing again, it is not relaunched a second time (a primer never is).
        #expect(!priming.ended(a, origin: origin, outcome: .failed(connectionGone: true)).relaunch)
        // The cap is now the two followers that were still running.
        let d = Item("d")
        #expect(priming.admit(d, origin: origin) == .primer, "the relaunched primer failed: the origin primes again")
        _ = priming.ended(d, origin: origin, outcome: .succeeded)
        #expect(priming.admit(Item("e"), origin: origin) == nil, "b and c fill the lowered cap of 2")
    }

    @Test("a waiting transfer can be taken out, and shutdown takes every one")
    func removal() {
        var priming = Priming(maxConcurrentStreams: 1000)
        let (a, b, c) = (Item("a"), Item("b"), Item("c"))
        _ = priming.admit(a, origin: origin)
        _ = priming.admit(b, origin: origin)
        _ = priming.admit(c, origin: origin)
        let first = priming.remove(b), second = priming.remove(b), running = priming.remove(a)
        #expect(first)
        #expect(!second)
        #expect(!running, "a runs: it is not waiting")
        #expect(priming.removeAllWaiting().map(\.name) == ["c"])
        #expect(priming.ended(a, origin: origin, outcome: .succeeded).released.isEmpty)
    }

    @Test("a transfer it never admitted ends with nothing to do")
    func unknown() {
        var priming = Priming(maxConcurrentStreams: 10)
        let ended = priming.ended(Item("x"), origin: origin, outcome: .failed(connectionGone: true))
        #expect(!ended.relaunch && ended.released.isEmpty)
    }
}
