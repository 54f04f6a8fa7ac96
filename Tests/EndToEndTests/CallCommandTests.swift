import Foundation
import Testing

/// `durablectl call` against a real manager: redis-cli's job for shared objects.
@Suite(.serialized)
struct CallCommandTests {
    private func call(_ manager: ManagerFixture, _ arguments: String...) async throws -> (status: Int32, output: String?, error: String) {
        let child = try ChildProcess("durablectl", [
            "call", "--connect", "\(manager.address)", "--authkey-file", manager.authkeyPath,
        ] + arguments, captureStandardError: true)
        let output = await child.nextLine(timeout: .seconds(20))
        return (await child.waitForExit(), output, child.standardErrorText())
    }

    @Test func putAJobFromAShellAndReadItBack() async throws {
        let manager = try await ManagerFixture.start()
        #expect(try await call(manager, "Queue:jobs", "put", #"{"id": 7, "input": "a.csv"}"#).output == "null")
        #expect(try await call(manager, "jobs", "qsize").output == "1")
        let taken = try await call(manager, "jobs", "get", "false")
        #expect(taken.status == 0)
        let job = try JSONSerialization.jsonObject(with: Data((taken.output ?? "").utf8)) as? [String: Any]
        #expect(job?["id"] as? Int == 7)
        #expect(job?["input"] as? String == "a.csv")
        #expect(try await call(manager, "dict:status", "__setitem__", #""job-7""#, #""running""#).status == 0)
        #expect(try await call(manager, "status", "items").output == #"[["job-7","running"]]"#)
        #expect(try await call(manager, "manager", "ping").output?.contains("\"epoch\"") == true)
        // As Python's json: an object keeps its order, and 2.0 stays a float.
        #expect(try await call(manager, "dict:order", "update", #"{"b": 1, "a": 2.0, "c": [3, 4.5]}"#).status == 0)
        #expect(try await call(manager, "order", "items").output == #"[["b",1],["a",2.0],["c",[3,4.5]]]"#)
        await manager.stop()
    }

    @Test func badInputGetsOneLineAndItsOwnExitCode() async throws {
        let manager = try await ManagerFixture.start()
        #expect(try await call(manager, "Queue:jobs", "qsize").output == "0")
        let missing = try await call(manager, "nosuch", "get")
        #expect(missing.status == 66)
        #expect(missing.error.contains("no object is named 'nosuch'"))
        let notJSON = try await call(manager, "Queue:jobs", "put", "not json")
        #expect(notJSON.status == 65)
        #expect(notJSON.error.contains("is not a JSON value"))
        let notExposed = try await call(manager, "jobs", "frobnicate")
        #expect(notExposed.status == 64)
        #expect(notExposed.error.contains("does not expose 'frobnicate'"))
        let empty = try await call(manager, "jobs", "get_nowait")
        #expect(empty.status == 70)
        #expect(empty.error.contains("(Empty)"))
        await manager.terminate()
        let unreachable = try await call(manager, "jobs", "qsize")
        #expect(unreachable.status == 69)
        await manager.stop()
    }
}
