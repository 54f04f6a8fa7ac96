import PythonProtocol

/// Pickles from a CPython peer, as the Python listener reads them: any bytes may be refused,
/// never trap or run anything; and whatever the reader accepts, the writer writes so that the
/// reader reads it back to the same pickle.
enum PickleFuzzer {
    static func run(_ input: [UInt8]) {
        guard let value = try? PickleReader.read(input) else { return }
        let written = PickleWriter.bytes(value)
        guard let again = try? PickleReader.read(written) else {
            fatalError("the reader refuses what the writer wrote for \(value)")
        }
        guard PickleWriter.bytes(again) == written else {
            fatalError("a pickle changed through a write and a read: \(value) became \(again)")
        }
    }

    static var seeds: [[UInt8]] {
        [
            // ('1a', '__getitem__', (slice(1, 3, None), range(5), {1, 2}, frozenset([3]),
            // bytearray(b'x'), Token('dict', '/tmp/s', '1f'), 2**63-1, -2**63, 1.5, True, None, b'b'),
            // {'timeout': 0.5}) as CPython 3.11 pickles it.
            [128, 4, 149, 236, 0, 0, 0, 0, 0, 0, 0, 40, 140, 2, 49, 97, 148, 140, 11, 95, 95, 103, 101, 116, 105, 116, 101, 109, 95, 95, 148, 40, 140, 8, 98, 117, 105, 108, 116, 105, 110, 115, 148, 140, 5, 115, 108, 105, 99, 101, 148, 147, 148, 75, 1, 75, 3, 78, 135, 148, 82, 148, 104, 2, 140, 5, 114, 97, 110, 103, 101, 148, 147, 148, 75, 0, 75, 5, 75, 1, 135, 148, 82, 148, 143, 148, 40, 75, 1, 75, 2, 144, 40, 75, 3, 145, 148, 104, 2, 140, 9, 98, 121, 116, 101, 97, 114, 114, 97, 121, 148, 147, 148, 67, 1, 120, 148, 133, 148, 82, 148, 140, 24, 109, 117, 108, 116, 105, 112, 114, 111, 99, 101, 115, 115, 105, 110, 103, 46, 109, 97, 110, 97, 103, 101, 114, 115, 148, 140, 5, 84, 111, 107, 101, 110, 148, 147, 148, 41, 129, 148, 140, 4, 100, 105, 99, 116, 148, 140, 6, 47, 116, 109, 112, 47, 115, 148, 140, 2, 49, 102, 148, 135, 148, 98, 138, 8, 255, 255, 255, 255, 255, 255, 255, 127, 138, 8, 0, 0, 0, 0, 0, 0, 0, 128, 71, 63, 248, 0, 0, 0, 0, 0, 0, 136, 78, 67, 1, 98, 148, 116, 148, 125, 148, 140, 7, 116, 105, 109, 101, 111, 117, 116, 148, 71, 63, 224, 0, 0, 0, 0, 0, 0, 115, 116, 148, 46],
            // ('0', 'create', (a __reduce__ to os.system,), {}): refused.
            [128, 4, 149, 51, 0, 0, 0, 0, 0, 0, 0, 40, 140, 1, 48, 148, 140, 6, 99, 114, 101, 97, 116, 101, 148, 140, 5, 112, 111, 115, 105, 120, 148, 140, 6, 115, 121, 115, 116, 101, 109, 148, 147, 148, 140, 4, 116, 114, 117, 101, 148, 133, 148, 82, 148, 133, 148, 125, 148, 116, 148, 46],
            PickleWriter.bytes(.tuple([
                .string("#RETURN"),
                .dict([PickleDictEntry(.string("k"), .list([.int(1), .float(2.5), .bytes([0, 1]), .set([.none])]))]),
                .proxy(PythonProxyReference(
                    proxyType: "AutoProxy", token: PythonToken(typeID: "Queue", address: .tuple([.string("127.0.0.1"), .int(5000)]), id: "10000000001"),
                    exposed: ["get", "put"]
                )),
            ])),
        ]
    }
}
