@testable import Curlew
import Testing

/// The per-request state machine, with plain values standing in for continuations: no I/O.
@Suite("TransferStateMachine")
struct TransferStateMachineTests {
    typealias Machine = TransferStateMachine<String, String, [UInt8], String>

    func machine(highWater: Int = 10, lowWater: Int = 4) -> Machine {
        Machine(highWater: highWater, lowWater: lowWater)
    }

    @Test("queued → running → streaming → finished, the head waiter resumed once")
    func happyPath() {
        var machine = machine()
        #expect(machine.phase == .queued)
        guard case .wait = machine.waitForHead("head") else { Issue.record("expected wait"); return }
        #expect(machine.start() == .start)
        #expect(machine.phase == .running)
        guard case .resume(let waiter) = machine.headReceived() else { Issue.record("expected the head waiter"); return }
        #expect(waiter == "head")
        guard case .none = machine.headReceived() else { Issue.record("a second head resumed someone"); return }
        #expect(machine.phase == .streaming)
        guard case .accepted(wake: nil) = machine.bodyReceived([1, 2]) else { Issue.record("expected accepted"); return }
        guard case .chunk([1, 2], resumeReceive: false) = machine.next(waiter: nil) else { Issue.record("expected the chunk"); return }
        let finish = machine.finish(nil)
        #expect(finish.failHead == nil && finish.resumeBody == nil)
        guard case .end = machine.next(waiter: nil) else { Issue.record("expected the end"); return }
        #expect(machine.phase == .finished)
    }

    @Test("a cancel before start finishes without touching libcurl")
    func cancelBeforeStart() {
        var machine = machine()
        #expect(machine.requestCancel() == .sendCancel)
        #expect(machine.requestCancel() == .none, "cancel is sent once")
        #expect(machine.start() == .finishCancelled)
    }

    @Test("a failure before the head fails the head waiter, once")
    func failureBeforeHead() {
        var machine = machine()
        _ = machine.waitForHead("head")
        _ = machine.start()
        let error = HTTPClientError(.connectionRefused, "refused")
        let finish = machine.finish(error)
        #expect(finish.failHead?.0 == "head")
        #expect(finish.failHead?.1 == error)
        let again = machine.finish(HTTPClientError.cancelled)
        #expect(again.failHead == nil && again.resumeBody == nil, "finishing twice resumes nobody")
        guard case .fail(let waiter, let late) = machine.waitForHead("late") else { Issue.record("a late waiter must fail at once"); return }
        #expect(waiter == "late" && late == error)
    }

    @Test("a waiting consumer is woken once by new bytes, takes all that arrived meanwhile as one chunk, and gets the error at the end")
    func waitingConsumer() {
        var machine = machine()
        _ = machine.start()
        _ = machine.headReceived()
        guard case .wait = machine.next(waiter: "body") else { Issue.record("expected wait"); return }
        guard case .accepted(wake: "body") = machine.bodyReceived([7]) else { Issue.record("expected the waiter"); return }
        guard case .accepted(wake: nil) = machine.bodyReceived([8, 9]) else { Issue.record("the waiter was woken twice"); return }
        #expect(machine.buffered == 3)
        guard case .chunk([7, 8, 9], resumeReceive: false) = machine.next(waiter: "body") else { Issue.record("expected one chunk of all three bytes"); return }
        #expect(machine.buffered == 0)
        guard case .wait = machine.next(waiter: "body2") else { Issue.record("expected wait"); return }
        let error = HTTPClientError(.truncatedBody, "short")
        let finish = machine.finish(error)
        #expect(finish.resumeBody?.0 == "body2")
        #expect(finish.resumeBody?.1 == error)
    }

    @Test("above high water the write callback is told to pause; below low water the consumer asks to resume, once")
    func backpressure() {
        var machine = Machine(highWater: 10, lowWater: 4, coalesceLimit: 6)
        _ = machine.start()
        _ = machine.headReceived()
        for _ in 0..<2 {
            guard case .accepted(wake: nil) = machine.bodyReceived(Array(repeating: 0, count: 6)) else { Issue.record("expected accepted"); return }
        }
        #expect(machine.buffered == 12)
        guard case .pause = machine.bodyReceived([0]) else { Issue.record("expected pause"); return }
        #expect(machine.receivePaused)
        guard case .chunk(let first, resumeReceive: false) = machine.next(waiter: nil) else { Issue.record("6 bytes left: no resume"); return }
        #expect(first.count == 6, "chunks are not coalesced past the limit")
        #expect(machine.buffered == 6)
        guard case .chunk(_, resumeReceive: true) = machine.next(waiter: nil) else { Issue.record("0 bytes left: resume"); return }
        #expect(machine.resume(receive: true) == (holdReceive: false, holdSend: false))
        #expect(!machine.receivePaused)
    }

    @Test("bytes are appended to the last chunk the consumer has not taken, up to the limit, never to one it took")
    func coalescing() {
        var machine = Machine(highWater: 100, lowWater: 10, coalesceLimit: 4)
        _ = machine.start()
        _ = machine.headReceived()
        _ = machine.bodyReceived([1, 2])
        _ = machine.bodyReceived([3])
        _ = machine.bodyReceived([4, 5])
        guard case .chunk([1, 2, 3], _) = machine.next(waiter: nil) else { Issue.record("expected [1, 2, 3]"); return }
        _ = machine.bodyReceived([6])
        guard case .chunk([4, 5, 6], _) = machine.next(waiter: nil) else { Issue.record("expected [4, 5, 6]"); return }
        _ = machine.bodyReceived([7])
        guard case .chunk([7], _) = machine.next(waiter: nil) else { Issue.record("expected [7] on its own"); return }
        #expect(machine.buffered == 0)
    }

    @Test("a successful finish without a delivered head is a protocol error, not an empty success")
    func finishWithoutHead() {
        var machine = machine()
        _ = machine.start()
        _ = machine.finish(nil)
        guard case .fail(let error) = machine.next(waiter: nil) else { Issue.record("expected a failure"); return }
        #expect(error.kind == .protocolError)
    }
}

extension TransferStateMachineTests {
    @Test("a second waiting reader is refused; the first keeps its place")
    func secondReader() {
        var machine = machine()
        _ = machine.start()
        _ = machine.headReceived()
        guard case .wait = machine.next(waiter: "first") else { Issue.record("expected a wait"); return }
        guard case .fail(let error) = machine.next(waiter: "second") else { Issue.record("expected a refusal"); return }
        #expect(error.kind == .concurrentBodyRead)
        guard case .accepted(wake: "first") = machine.bodyReceived([1]) else { Issue.record("the first reader lost its place"); return }
    }

    @Test("the first iterator to read claims the body; another is refused, during the body and after")
    func claimedBody() {
        var machine = machine()
        _ = machine.start()
        _ = machine.headReceived()
        let first = machine.newReader(), second = machine.newReader()
        _ = machine.bodyReceived([1, 2])
        guard case .chunk([1, 2], _) = machine.next(waiter: nil, reader: first) else { Issue.record("expected the chunk"); return }
        guard case .fail(let error) = machine.next(waiter: nil, reader: second) else { Issue.record("expected a refusal"); return }
        #expect(error.kind == .concurrentBodyRead)
        _ = machine.finish(nil)
        guard case .fail = machine.next(waiter: nil, reader: second) else { Issue.record("refused after the end too"); return }
        guard case .end = machine.next(waiter: nil, reader: first) else { Issue.record("expected the end"); return }
    }

    @Test("a cancel carries its reason to the finish")
    func cancelReason() {
        var machine = machine()
        let reason = HTTPClientError(.requestBodyFailed, "the stream threw")
        #expect(machine.requestCancel(reason) == .sendCancel)
        #expect(machine.requestCancel(.cancelled) == .none)
        #expect(machine.cancelReason == reason)
    }
}
