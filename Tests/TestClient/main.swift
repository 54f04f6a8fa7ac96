// A client process for the end-to-end tests. Each role does one thing a worker process does and
// prints what happened, one line per event, so the test can follow it from another process.
//
//   durable-test-client ADDRESS AUTHKEY-FILE ROLE ARGS...
import DurableWire
import Foundation
import Proxies

let arguments = CommandLine.arguments
guard arguments.count >= 4 else {
    FileHandle.standardError.write(Data("usage: durable-test-client ADDRESS AUTHKEY-FILE ROLE ARGS...\n".utf8))
    exit(64)
}

func say(_ line: String) {
    print(line)
    fflush(nil)
}

let manager = try await SyncManager.connect(
    to: try ManagerAddress(parsing: arguments[1]),
    authkey: try Authkey(contentsOf: arguments[2])
)
let role = arguments[3]
let rest = Array(arguments.dropFirst(4))

do {
    switch role {
    case "produce":
        // produce COUNT QUEUE DICT: puts item-0..item-N and records each in the dict.
        let count = Int(rest[0])!
        let queue: QueueProxy<String> = try await manager.queue(rest[1])
        let record: DictProxy<String, String> = try await manager.dict(rest[2])
        for index in 0..<count {
            // Recorded before it is put, so the consumer's mark always comes after.
            try await record.set("item-\(index)", "produced")
            try await queue.put("item-\(index)")
        }
        say("produced \(count)")
    case "consume":
        // consume COUNT QUEUE DICT: takes COUNT items and marks each consumed in the dict.
        let count = Int(rest[0])!
        let queue: QueueProxy<String> = try await manager.queue(rest[1])
        let record: DictProxy<String, String> = try await manager.dict(rest[2])
        for _ in 0..<count {
            let item = try await queue.get(timeout: .seconds(30))
            try await record.set(item, "consumed")
            say("got \(item)")
        }
        say("consumed \(count)")
    case "get":
        // get QUEUE [TIMEOUT]: one blocking get.
        let queue: QueueProxy<String> = try await manager.queue(rest[0])
        say("waiting")
        let timeout = rest.count > 1 ? Duration.milliseconds(Int(Double(rest[1])! * 1000)) : nil
        say("got \(try await queue.get(timeout: timeout))")
    case "hold-lock":
        // hold-lock LOCK SECONDS: acquires, holds, releases.
        let lock = try await manager.lock(rest[0])
        try await lock.acquire()
        say("acquired")
        try await Task.sleep(for: .milliseconds(Int(Double(rest[1])! * 1000)))
        try await lock.release()
        say("released")
    case "acquire-lock":
        // acquire-lock LOCK TIMEOUT: one timed acquire.
        let lock = try await manager.lock(rest[0])
        say("trying")
        let start = ContinuousClock.now
        let acquired = try await lock.acquire(timeout: .milliseconds(Int(Double(rest[1])! * 1000)))
        let waited = ContinuousClock.now - start
        say("\(acquired ? "acquired" : "timeout") after \(waited.components.seconds * 1000 + waited.components.attoseconds / 1_000_000_000_000_000) ms")
        if acquired { try await lock.release() }
    default:
        FileHandle.standardError.write(Data("unknown role \(role)\n".utf8))
        exit(64)
    }
} catch let error as ManagerError {
    say("error \(error.code) \(error.message)")
    exit(1)
}
await manager.shutdown()
