"""CPython's own multiprocessing client against a durable manager (PythonClientTests).

Usage: python_client.py ADDRESS AUTHKEY_FILE SCENARIO [ARGS...]
ADDRESS is a socket path, or HOST:PORT. Prints "ok SCENARIO" when every check passed; a failed
check raises, which exits non-zero with the traceback on stderr. Standard library only.
"""
import multiprocessing
import os
import pickle
import queue
import socket
import struct
import sys
import threading
from multiprocessing import connection
from multiprocessing.managers import (
    AcquirerProxy, DictProxy, ListProxy, NamespaceProxy, SyncManager,
)


class Manager(SyncManager):
    pass


# Named durable objects: "named_<typeid>" with the name first opens or creates that object.
Manager.register("named_dict", proxytype=DictProxy)
Manager.register("named_list", proxytype=ListProxy)
Manager.register("named_Namespace", proxytype=NamespaceProxy)
Manager.register("named_Lock", proxytype=AcquirerProxy)
Manager.register("named_Queue")


def address(text):
    if text.startswith("/"):
        return text
    host, port = text.rsplit(":", 1)
    return (host, int(port))


def connect(addr, key):
    # A proxy inside a value is rebuilt with the process's authkey, as in CPython with any
    # manager the process did not start.
    multiprocessing.current_process().authkey = key
    m = Manager(address=addr, authkey=key)
    m.connect()
    return m


def expect(exception, function, *args, **kwds):
    try:
        function(*args, **kwds)
    except exception:
        return
    raise AssertionError(f"{function} did not raise {exception.__name__}")


def types(m):
    d = m.dict(a=1)
    d["b"] = [1, 2.5, "x", None, True, b"raw"]
    assert d["a"] == 1 and d["b"] == [1, 2.5, "x", None, True, b"raw"], d.copy()
    assert len(d) == 2 and "a" in d and "zz" not in d
    assert d.get("zz") is None and d.get("zz", 7) == 7
    assert sorted(d.keys()) == ["a", "b"]
    assert ("a", 1) in d.items()
    assert sorted(list(d)) == ["a", "b"], "iteration through __iter__"
    expect(KeyError, d.__getitem__, "missing")
    try:
        d["missing"]
    except KeyError as error:
        assert error.args == ("missing",), error.args
    d.update({"c": 3}, e=5)
    assert d.pop("c") == 3 and d.setdefault("f", 6) == 6
    assert d.copy() == {"a": 1, "b": [1, 2.5, "x", None, True, b"raw"], "e": 5, "f": 6}
    del d["e"]
    assert "e" not in d
    assert str(m.dict(k="v")) == "{'k': 'v'}"

    big = m.dict({10**15: "big int key", -5: (1, 2)})
    assert big[10**15] == "big int key" and big[-5] == [1, 2]

    lst = m.list(range(10))
    assert lst[1:3] == [1, 2] and lst[::-3] == [9, 6, 3, 0] and lst[-1] == 9
    lst.append(10)
    lst.extend([11])
    lst += [12]
    assert len(lst) == 13 and lst.index(4) == 4 and lst.count(4) == 1
    assert lst.pop() == 12 and lst.pop(0) == 0
    lst.insert(0, "first")
    lst.remove("first")
    lst.reverse()
    assert lst[0] == 11
    lst.sort()
    assert lst[0] == 1
    expect(IndexError, lst.__getitem__, 100)
    expect(ValueError, lst.remove, "absent")

    q = m.Queue(maxsize=2)
    q.put("one")
    q.put_nowait({"two": 2})
    assert q.qsize() == 2 and q.full()
    expect(queue.Full, q.put, "three", timeout=0.1)
    expect(queue.Full, q.put_nowait, "three")
    assert q.get() == "one" and q.get(timeout=0.5) == {"two": 2}
    assert q.empty()
    expect(queue.Empty, q.get_nowait)
    expect(queue.Empty, q.get, True, 0.2)
    expect(queue.Empty, q.get, timeout=0.2)

    jq = m.JoinableQueue()
    jq.put(1)
    jq.get()
    jq.task_done()
    jq.join()

    lock = m.Lock()
    assert lock.acquire() is True
    assert lock.acquire(blocking=False) is False
    assert lock.acquire(timeout=0.1) is False
    lock.release()
    expect(RuntimeError, lock.release)
    with lock:
        pass
    rlock = m.RLock()
    with rlock:
        with rlock:
            pass

    sem = m.BoundedSemaphore(2)
    assert sem.acquire() and sem.acquire() and not sem.acquire(blocking=False)
    sem.release()
    sem.release()
    expect(ValueError, sem.release)

    event = m.Event()
    assert not event.is_set() and event.wait(0.1) is False
    threading.Timer(0.2, event.set).start()  # from another thread, so another connection
    assert event.wait(5) is True and event.is_set()
    event.clear()
    assert not event.is_set()

    cond = m.Condition()
    with cond:
        assert cond.wait(0.1) is False
        cond.notify()

    barrier = m.Barrier(1, timeout=1.0)
    assert barrier.wait() == 0 and barrier.parties == 1 and not barrier.broken
    barrier.abort()
    assert barrier.broken
    expect(threading.BrokenBarrierError, barrier.wait)

    ns = m.Namespace(x=1)
    ns.y = "two"
    assert ns.x == 1 and ns.y == "two"
    del ns.x
    expect(AttributeError, getattr, ns, "x")

    v = m.Value("i", 3)
    assert v.value == 3
    v.value = 4
    assert v.get() == 4
    arr = m.Array("i", [1, 2, 3])
    assert len(arr) == 3 and arr[1] == 2
    arr[1] = 5
    assert arr[1] == 5

    # A proxy inside a dict: a Swift or Python client reading it gets a working proxy.
    inner = m.list([1])
    holder = m.dict()
    holder["inner"] = inner
    again = holder["inner"]
    again.append(2)
    assert inner[:] == [1, 2]


def two_threads(m):
    """CPython gives each thread its own connection: a lock held by one blocks the other."""
    lock = m.Lock()
    q = m.Queue()
    lock.acquire()
    results = []

    def other():
        results.append(lock.acquire(timeout=0.2))
        results.append(q.get(timeout=30))

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(0.5)
    q.put("hello")
    thread.join(30)
    assert results == [False, "hello"], results
    lock.release()


def hold_lock(m, mode):
    """Takes the named lock "printer" and says so; then holds it forever ("forever"), or until
    the other process asks on the queue "ask", and hands it a job over "handoff" as it releases."""
    lock = m.named_Lock("printer")
    assert lock.acquire(timeout=10)
    print("held", flush=True)
    if mode == "forever":
        import time
        time.sleep(600)
    assert m.named_Queue("ask").get(timeout=60) == "your turn?"
    m.named_Queue("handoff").put("from the holder")
    lock.release()


def wait_lock(m):
    """In another process: the lock is held; asked, its holder hands it over with a queue item."""
    lock = m.named_Lock("printer")
    assert lock.acquire(timeout=0.1) is False, "the other process holds the lock"
    m.named_Queue("ask").put("your turn?")
    assert m.named_Queue("handoff").get(timeout=60) == "from the holder"
    assert lock.acquire(timeout=60) is True
    lock.release()


def acquire_lock(m):
    """The named lock can be taken: its holder died and its session ended."""
    assert m.named_Lock("printer").acquire(timeout=20) is True


def server_functions(m, addr, key):
    from multiprocessing.managers import dispatch
    assert m._number_of_objects() >= 0
    d = m.dict(x=1)
    assert "dict" in m._debug_info()
    conn = connection.Client(addr, authkey=key)
    assert "__getitem__" in dispatch(conn, None, "get_methods", (d._token,))
    conn.close()


def shutdown(addr, key):
    from multiprocessing.managers import dispatch
    conn = connection.Client(addr, authkey=key)
    assert dispatch(conn, None, "shutdown") is None


def named_write(m, key, value):
    status = m.named_dict("status")
    status[key] = value
    m.named_Queue("jobs").put(value)


def named_read(m, key, value):
    status = m.named_dict("status")
    assert status[key] == value, status.copy()
    print("status", sorted(status.items()))
    assert m.named_Queue("jobs").get(timeout=2) == value


def hostile(addr, key):
    marker = "/tmp/durable-manager-hostile-pickle-ran"
    if os.path.exists(marker):
        os.remove(marker)

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    conn = connection.Client(addr, authkey=key)
    conn.send(("0", "create", (Evil(),), {}))
    kind, result = conn.recv()
    assert kind == "#ERROR" and isinstance(result, pickle.UnpicklingError), (kind, result)
    assert "posix.system" in str(result) or "system" in str(result), result
    # The connection goes on after a refused pickle.
    conn.send((None, "dummy", (), {}))
    assert conn.recv() == ("#RETURN", None)
    conn.send_bytes(b"\x80\x04\x95")  # a pickle cut short
    kind, result = conn.recv()
    assert kind == "#ERROR", (kind, result)
    conn.close()
    assert not os.path.exists(marker), "the hostile pickle ran"

    # A range whose ends are 2**63 apart once trapped in the count's division; a range the
    # pickle names many times (its memo) once expanded 20 million ints on the manager's loop.
    import time
    conn = connection.Client(addr, authkey=key)
    conn.send(("0", "create", ("list", range(1, -2**63 + 1, -1)), {}))
    kind, result = conn.recv()
    # A server function's failure comes back as CPython's server sends it: a traceback.
    assert kind == "#TRACEBACK" and "MemoryError" in result, (kind, result)
    many = range(10**6)
    started = time.monotonic()
    conn.send(("0", "create", ("list", [many] * 20), {}))
    kind, result = conn.recv()
    assert kind == "#TRACEBACK" and "expand" in result, (kind, result)
    assert time.monotonic() - started < 5, "the refusal took the manager seconds"
    conn.send((None, "dummy", (), {}))
    assert conn.recv() == ("#RETURN", None)
    conn.close()

    # A frame cut short by a client that goes away: nothing happens.
    cut = connection.Client(addr, authkey=key)
    cut._send(struct.pack("!i", 100) + b"\x80\x04 only ten")
    cut.close()

    # An oversized frame announced: the manager closes that connection.
    raw = connection.Client(addr, authkey=key)
    raw._send(struct.pack("!i", -1) + struct.pack("!Q", 1 << 40))
    try:
        kind, text = raw.recv()
        assert kind == "#TRACEBACK" and "limit" in text, (kind, text)
        raw.recv()
        raise AssertionError("the connection stayed open after an oversized frame")
    except (EOFError, ConnectionError):
        pass

    # And everyone else is still served.
    m = connect(addr, key)
    d = m.dict(still="served")
    assert d["still"] == "served"

    # Iterators a client keeps (or never decrefs) are bounded: past 1024, the oldest expires,
    # and says so, instead of the manager's memory growing without end.
    kept = [iter(d) for _ in range(1030)]
    assert next(kept[-1]) == "still"
    try:
        next(kept[0])
        raise AssertionError("the oldest of 1030 iterators was kept")
    except Exception as error:
        assert "expired" in str(error), error


def wrong_authkey(addr, key):
    try:
        connect(addr, b"not the right key, at all")
    except connection.AuthenticationError:
        return
    raise AssertionError("a wrong authkey was accepted")


def modern_handshake(addr, key):
    """The 3.12+ form: answer with {sha256}, challenge with {sha256}, whatever this Python is."""
    import hmac
    sock = socket.socket(socket.AF_UNIX if isinstance(addr, str) else socket.AF_INET)
    sock.connect(addr)
    conn = connection.Connection(sock.detach())
    challenge = conn.recv_bytes(256)
    assert challenge.startswith(b"#CHALLENGE#{sha256}"), challenge
    message = challenge[len(b"#CHALLENGE#"):]
    conn.send_bytes(b"{sha256}" + hmac.new(key, message, "sha256").digest())
    assert conn.recv_bytes(256) == b"#WELCOME#"
    mine = b"{sha256}" + os.urandom(40)
    conn.send_bytes(b"#CHALLENGE#" + mine)
    answer = conn.recv_bytes(256)
    assert answer == b"{sha256}" + hmac.new(key, mine, "sha256").digest(), answer
    conn.send_bytes(b"#WELCOME#")
    conn.send((None, "dummy", (), {}))
    assert conn.recv() == ("#RETURN", None)


if __name__ == "__main__":
    sys_addr = address(sys.argv[1])
    with open(sys.argv[2], "rb") as keyfile:
        sys_key = keyfile.read()
    scenario, args = sys.argv[3], sys.argv[4:]
    if scenario == "types":
        types(connect(sys_addr, sys_key))
    elif scenario == "two-threads":
        two_threads(connect(sys_addr, sys_key))
    elif scenario == "named-write":
        named_write(connect(sys_addr, sys_key), *args)
    elif scenario == "named-read":
        named_read(connect(sys_addr, sys_key), *args)
    elif scenario == "hold-lock":
        hold_lock(connect(sys_addr, sys_key), *args)
    elif scenario == "wait-lock":
        wait_lock(connect(sys_addr, sys_key))
    elif scenario == "acquire-lock":
        acquire_lock(connect(sys_addr, sys_key))
    elif scenario == "server-functions":
        server_functions(connect(sys_addr, sys_key), sys_addr, sys_key)
    elif scenario == "shutdown":
        shutdown(sys_addr, sys_key)
    elif scenario == "hostile":
        hostile(sys_addr, sys_key)
    elif scenario == "wrong-authkey":
        wrong_authkey(sys_addr, sys_key)
    elif scenario == "modern-handshake":
        modern_handshake(sys_addr, sys_key)
    else:
        raise SystemExit(f"unknown scenario {scenario}")
    print("ok", scenario, flush=True)
