@testable import Curlew
import Testing

/// The streamed request body as a value, with a `String` standing in for the producer's
/// continuation: no I/O.
@Suite("UploadStateMachine")
struct UploadStateMachineTests {
    typealias Machine = UploadStateMachine<String>

    /// Reads what the read callback would, `capacity` bytes at most.
    func read(_ machine: inout Machine, capacity: Int = 1024) -> (Machine.ReadAction, [UInt8]) {
        let action = machine.read(capacity: capacity)
        guard case .bytes(let count) = action, count > 0 else { return (action, []) }
        var buffer = [UInt8](repeating: 0, count: count)
        _ = buffer.withUnsafeMutableBytes { machine.copy(count, into: $0) }
        return (action, buffer)
    }

    @Test("a chunked stream: bytes as they come, a pause when none are pending, the end after end()")
    func unknownLength() {
        var machine = Machine(declaredLength: nil)
        guard case .pause = read(&machine).0 else { Issue.record("expected a pause"); return }
        #expect(machine.write([1, 2, 3]) == .accepted(resumeSend: true), "the pause is resumed by the write")
        #expect(read(&machine).1 == [1, 2, 3])
        #expect(machine.end() == .ended(resumeSend: false))
        guard case .bytes(0) = read(&machine).0 else { Issue.record("expected the end"); return }
    }

    @Test("with a declared length the last byte waits for the end")
    func holdsLastByte() {
        var machine = Machine(declaredLength: 4)
        #expect(machine.write([1, 2, 3, 4]) == .accepted(resumeSend: false))
        #expect(read(&machine).1 == [1, 2, 3])
        guard case .pause = read(&machine).0 else { Issue.record("the last byte went before the end"); return }
        #expect(machine.end() == .ended(resumeSend: true))
        #expect(read(&machine).1 == [4])
        guard case .bytes(0) = read(&machine).0 else { Issue.record("expected the end"); return }
        #expect(machine.sent == 4 && machine.written == 4)
    }

    @Test("a write past the declared length fails, and so does every read and write after")
    func pastLength() {
        var machine = Machine(declaredLength: 4)
        #expect(machine.write([1, 2, 3, 4]) == .accepted(resumeSend: false))
        _ = read(&machine)
        guard case .fail(let error) = machine.write([5]) else { Issue.record("expected a failure"); return }
        #expect(error.kind == .requestBodyLengthMismatch)
        #expect(error.message.contains("4") && error.message.contains("5"))
        guard case .abort(let abort) = read(&machine).0 else { Issue.record("expected abort"); return }
        #expect(abort == error)
        #expect(machine.write([6]) == .fail(error))
        #expect(machine.end() == .fail(error))
    }

    @Test("an end before the declared length fails, naming both lengths")
    func endsEarly() {
        var machine = Machine(declaredLength: 100)
        #expect(machine.write([UInt8](repeating: 0, count: 10)) == .accepted(resumeSend: false))
        guard case .fail(let error) = machine.end() else { Issue.record("expected a failure"); return }
        #expect(error.kind == .requestBodyLengthMismatch)
        #expect(error.message.contains("10") && error.message.contains("100"))
        guard case .abort = read(&machine).0 else { Issue.record("expected abort"); return }
    }

    @Test("the producer waits above high water and is handed back when the reads drain it")
    func backpressure() {
        var machine = Machine(declaredLength: nil, highWater: 4)
        #expect(machine.write([1, 2, 3, 4, 5, 6]) == .accepted(resumeSend: false))
        guard case .wait = machine.waitForRoom("producer") else { Issue.record("expected a wait"); return }
        var buffer = [UInt8](repeating: 0, count: 1)
        guard case .bytes(1) = machine.read(capacity: 1) else { Issue.record("expected a byte"); return }
        #expect(buffer.withUnsafeMutableBytes { machine.copy(1, into: $0) } == nil, "still above high water")
        guard case .bytes(1) = machine.read(capacity: 1) else { Issue.record("expected a byte"); return }
        #expect(buffer.withUnsafeMutableBytes { machine.copy(1, into: $0) } == "producer")
        guard case .proceed = machine.waitForRoom("again") else { Issue.record("expected proceed"); return }
    }

    @Test("a failure hands back a waiting producer once, and the first failure is kept")
    func failure() {
        var machine = Machine(declaredLength: nil, highWater: 1)
        _ = machine.write([1, 2, 3])
        _ = machine.waitForRoom("producer")
        #expect(machine.fail(.cancelled) == "producer")
        #expect(machine.fail(HTTPClientError(.requestBodyFailed, "x")) == nil)
        #expect(machine.failure == .cancelled)
    }
}
