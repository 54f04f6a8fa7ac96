import DurableWire
import Testing

/// Object 0, the manager: creating and opening objects, and the errors every call can meet.
struct ManagerObjectTests {
    @Test func aNamedObjectIsOpenedByNameFromAnyClient() throws {
        let harness = ManagerHarness()
        let first = try harness.connect()
        let second = try harness.connect()
        let created = try first.create("dict", name: "config", [["mode": "fast"]])
        let opened = try second.create("dict", name: "config")
        #expect(opened == created)
        // Opening ignores creation arguments: the existing object is returned as it is.
        let reopened = try second.create("dict", name: "config", [["mode": "slow"]])
        #expect(reopened == created)
        #expect(try second.value(opened, "__getitem__", ["mode"]) == "fast")
        try second.value(opened, "__setitem__", ["mode", "safe"])
        #expect(try first.value(created, "__getitem__", ["mode"]) == "safe")
    }

    @Test func anonymousObjectsAreDistinctAndCarryTheEpoch() throws {
        let harness = ManagerHarness(epoch: 7)
        let client = try harness.connect()
        let a = try client.create("list")
        let b = try client.create("list")
        #expect(a != b)
        #expect(a.typeID == "list")
        #expect(a.epoch == 7)
        #expect(b.epoch == 7)
    }

    @Test func openingANameAsAnotherTypeIsTypeMismatch() throws {
        let client = try ManagerHarness().connect()
        _ = try client.create("dict", name: "shared")
        guard case .failure(let error) = try client.call(0, "create", ["list", "shared", []]) else {
            Issue.record("opened a dict as a list")
            return
        }
        #expect(error.code == .typeMismatch)
        #expect(error.message.contains("dict"))
        #expect(error.message.contains("list"))
    }

    @Test func anUnknownTypeIsRefusedWithTheTypesOnOffer() throws {
        let client = try ManagerHarness().connect()
        guard case .failure(let error) = try client.call(0, "create", ["Pool", nil, []]) else {
            Issue.record("created an unregistered type")
            return
        }
        #expect(error.code == .valueError)
        #expect(error.message.contains("'Pool'"))
        #expect(error.message.contains("Queue"))
    }

    @Test func everyRegisteredTypeCanBeCreated() throws {
        let client = try ManagerHarness().connect()
        let arguments: [String: [Value]] = ["Barrier": [2]]
        for type in ["dict", "list", "Namespace", "Value", "Queue", "JoinableQueue", "WorkQueue", "Lock", "RLock",
                     "Semaphore", "BoundedSemaphore", "Condition", "Event", "Barrier"] {
            #expect(try client.create(type, arguments[type] ?? []).typeID == type)
        }
    }

    @Test func anUnknownObjectIDIsUnknownObject() throws {
        let harness = ManagerHarness(epoch: 3)
        let client = try harness.connect()
        let current = ObjectReference(id: 3 << ObjectReference.epochShift | 999, typeID: "dict")
        let future = ObjectReference(id: 9 << ObjectReference.epochShift | 1, typeID: "dict")
        let noEpoch = ObjectReference(id: 5, typeID: "dict")
        for reference in [current, future, noEpoch] {
            #expect(try client.errorCode(reference, "__len__") == .unknownObject, "\(reference)")
        }
    }

    @Test func anIDFromAnEarlierEpochIsLostInRestart() throws {
        let harness = ManagerHarness(epoch: 3)
        let client = try harness.connect()
        for epoch: UInt64 in [1, 2] {
            let stale = ObjectReference(id: epoch << ObjectReference.epochShift | 1, typeID: "Lock")
            let error = try client.error(stale, "acquire")
            #expect(error?.code == .lostInRestart)
            #expect(error?.message.contains("epoch \(epoch)") == true)
        }
    }

    @Test func aMethodTheTypeDoesNotExposeIsNotExposedAndNamed() throws {
        let client = try ManagerHarness().connect()
        let d = try client.create("dict")
        let error = try client.error(d, "append", [1])
        #expect(error?.code == .notExposed)
        #expect(error?.message.contains("'append'") == true)
        #expect(try client.errorCode(d, "__class__") == .notExposed)
        let lock = try client.create("Lock")
        #expect(try client.error(lock, "_at_fork_reinit")?.message.contains("_at_fork_reinit") == true)
    }

    @Test func anUnknownManagerMethodIsNotExposedAndNamed() throws {
        let client = try ManagerHarness().connect()
        guard case .failure(let error) = try client.call(0, "register", []) else {
            Issue.record("the manager accepted 'register'")
            return
        }
        #expect(error.code == .notExposed)
        #expect(error.message.contains("'register'"))
    }

    @Test func badCreateCallsAreTypeError() throws {
        let client = try ManagerHarness().connect()
        let bad: [[Value]] = [
            [], ["dict"], ["dict", nil, [], "extra"],
            [1, nil, []], ["dict", 5, []], ["dict", "", []], ["dict", nil, "not a list"],
            ["Queue", nil, [1, 2]], ["Lock", nil, [true]],
        ]
        for arguments in bad {
            guard case .failure(let error) = try client.call(0, "create", arguments) else {
                Issue.record("create\(arguments) was accepted")
                continue
            }
            #expect(error.code == .wrongType, "create\(arguments)")
        }
        // create(typeid, name) without arguments is fine.
        guard case .reference = try client.call(0, "create", ["dict", "two-arguments"]).get() else {
            Issue.record("create(typeid, name) did not return a reference")
            return
        }
    }

    @Test func deleteUnbindsANameOnce() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let old = try client.create("list", name: "items", [[1]])
        #expect(try client.call(0, "delete", ["items"]) == .success(true))
        #expect(try client.call(0, "delete", ["items"]) == .success(false))
        // The name is free for a new object; the old one lives while its proxy does.
        let new = try client.create("list", name: "items")
        #expect(new != old)
        #expect(try client.value(new, "__len__") == 0)
        harness.loop.run()
        #expect(try client.value(old, "__len__") == 1)
        #expect(try client.call(0, "delete", [1]).errorCode == .wrongType)
    }

    @Test func objectsListsEveryObjectWithItsTypeAndName() throws {
        let client = try ManagerHarness().connect()
        let named = try client.create("Queue", name: "jobs")
        let anonymous = try client.create("Event")
        let expected: Value = [
            ["id": .int(Int64(named.id)), "type": "Queue", "name": "jobs"],
            ["id": .int(Int64(anonymous.id)), "type": "Event", "name": nil],
        ]
        #expect(try client.call(0, "objects") == .success(expected))
        #expect(try client.call(0, "objects", [1]).errorCode == .wrongType)
    }

    @Test func pingReportsTheEpochClientsObjectsAndTypes() throws {
        let harness = ManagerHarness(epoch: 4)
        let client = try harness.connect()
        _ = try harness.connect()
        _ = try client.create("Lock")
        guard case .map(let status) = try client.call(0, "ping").get() else {
            Issue.record("ping did not return a map")
            return
        }
        #expect(status["epoch"] == 4)
        #expect(status["clients"] == 2)
        #expect(status["objects"] == 1)
        #expect(status["types"] == .array(harness.store.registry.typeIDs.map(Value.string)))
        #expect(try client.call(0, "ping", [1]).errorCode == .wrongType)
    }

    @Test func argumentsOfTheWrongTypeAreTypeErrorWhateverTheObject() throws {
        let client = try ManagerHarness().connect()
        let cases: [(String, [Value], String, [Value])] = [
            ("list", [], "__getitem__", ["0"]),
            ("list", [], "insert", ["0", 1]),
            ("Queue", [], "get", [true, "1s"]),
            ("Lock", [], "acquire", [[true]]),
            ("Semaphore", [], "release", [1.5]),
            ("Event", [], "wait", [[1]]),
            ("Namespace", [], "__getattr__", [1]),
        ]
        for (type, creation, method, arguments) in cases {
            let object = try client.create(type, creation)
            #expect(try client.errorCode(object, method, arguments) == .wrongType, "\(type).\(method)\(arguments)")
        }
    }
}
