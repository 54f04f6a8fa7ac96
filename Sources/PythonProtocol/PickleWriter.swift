package import NIOCore

/// Writes the pickles the manager sends (protocol 4 opcodes, no frames, no memo: a reply holds
/// no cycles), which CPython's standard unpickler reads.
///
/// Exceptions are written as CPython pickles them, `module.name` and REDUCE with the arguments,
/// so the client raises `KeyError('x')` or `queue.Empty()` itself:
///
/// ```swift
/// var buffer = ByteBuffer()
/// PickleWriter.write(.tuple([.string("#ERROR"), .exception(module: "builtins", name: "KeyError", arguments: [.string("x")])]), to: &buffer)
/// ```
package enum PickleWriter {
    /// Appends `value` as a whole pickle (PROTO to STOP) to `buffer`.
    package static func write(_ value: PickleValue, to buffer: inout ByteBuffer) {
        buffer.writeBytes([0x80, 4])
        body(value, &buffer)
        buffer.writeInteger(UInt8(0x2E))
    }

    /// `value` as a whole pickle.
    package static func bytes(_ value: PickleValue) -> [UInt8] {
        var buffer = ByteBuffer()
        write(value, to: &buffer)
        return Array(buffer.readableBytesView)
    }

    private static func body(_ value: PickleValue, _ out: inout ByteBuffer) {
        switch value {
        case .none:
            out.writeInteger(UInt8(0x4E))
        case .bool(let flag):
            out.writeInteger(UInt8(flag ? 0x88 : 0x89))
        case .int(let int):
            if let small = Int32(exactly: int) {
                out.writeInteger(UInt8(0x4A))
                out.writeInteger(small, endianness: .little)
            } else {
                // LONG1 with 8 bytes of two's complement: every Int64 fits.
                out.writeBytes([0x8A, 8])
                out.writeInteger(int, endianness: .little)
            }
        case .float(let double):
            out.writeInteger(UInt8(0x47))
            out.writeInteger(double.bitPattern, endianness: .big)
        case .string(let text):
            let utf8 = Array(text.utf8)
            out.writeInteger(UInt8(0x58))
            out.writeInteger(UInt32(utf8.count), endianness: .little)
            out.writeBytes(utf8)
        case .bytes(let raw):
            out.writeInteger(UInt8(0x42))
            out.writeInteger(UInt32(raw.count), endianness: .little)
            out.writeBytes(raw)
        case .tuple(let items):
            tuple(items, &out)
        case .list(let items):
            out.writeInteger(UInt8(0x5D))
            guard !items.isEmpty else { return }
            out.writeInteger(UInt8(0x28))
            for item in items { body(item, &out) }
            out.writeInteger(UInt8(0x65))
        case .dict(let entries):
            out.writeInteger(UInt8(0x7D))
            guard !entries.isEmpty else { return }
            out.writeInteger(UInt8(0x28))
            for entry in entries {
                body(entry.key, &out)
                body(entry.value, &out)
            }
            out.writeInteger(UInt8(0x75))
        case .set(let items):
            out.writeInteger(UInt8(0x8F))
            guard !items.isEmpty else { return }
            out.writeInteger(UInt8(0x28))
            for item in items { body(item, &out) }
            out.writeInteger(UInt8(0x90))
        case .range(let start, let stop, let step):
            call("builtins", "range", [.int(start), .int(stop), .int(step)], &out)
        case .slice(let start, let stop, let step):
            call("builtins", "slice", [start, stop, step], &out)
        case .token(let token):
            // As CPython pickles a Token: Token.__new__(Token), then __setstate__ with the tuple.
            global("multiprocessing.managers", "Token", &out)
            out.writeBytes([0x29, 0x81])
            tuple([.string(token.typeID), token.address, .string(token.id)], &out)
            out.writeInteger(UInt8(0x62))
        case .proxy(let proxy):
            global("multiprocessing.managers", "RebuildProxy", &out)
            out.writeInteger(UInt8(0x28))
            global("multiprocessing.managers", proxy.proxyType, &out)
            body(.token(proxy.token), &out)
            body(.string("pickle"), &out)
            var keywords: [PickleDictEntry] = []
            if let exposed = proxy.exposed { keywords.append(PickleDictEntry(.string("exposed"), .tuple(exposed.map(PickleValue.string)))) }
            body(.dict(keywords), &out)
            out.writeBytes([0x74, 0x52])
        case .exception(let module, let name, let arguments):
            call(module, name, arguments, &out)
        }
    }

    private static func tuple(_ items: [PickleValue], _ out: inout ByteBuffer) {
        guard !items.isEmpty else {
            out.writeInteger(UInt8(0x29))
            return
        }
        out.writeInteger(UInt8(0x28))
        for item in items { body(item, &out) }
        out.writeInteger(UInt8(0x74))
    }

    private static func global(_ module: String, _ name: String, _ out: inout ByteBuffer) {
        out.writeInteger(UInt8(0x63))
        out.writeString("\(module)\n\(name)\n")
    }

    private static func call(_ module: String, _ name: String, _ arguments: [PickleValue], _ out: inout ByteBuffer) {
        global(module, name, &out)
        tuple(arguments, &out)
        out.writeInteger(UInt8(0x52))
    }
}
