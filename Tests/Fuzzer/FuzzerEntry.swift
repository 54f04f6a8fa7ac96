// The manager's fuzz targets, one binary: `FUZZ_TARGET=wire` (frames from a peer, through
// decoding and dispatch), `FUZZ_TARGET=journal` (journal values through restore and replay) or
// `FUZZ_TARGET=pickle` (a CPython peer's pickles through the data-only reader and back).
//
// scripts/fuzz.sh builds it for libFuzzer (`-sanitize=fuzzer -D FUZZING`) and runs it. A normal
// build makes a replayer instead, so the targets compile in CI and a crash can be rerun:
//
//     durable-fuzzer wire crash-1234          # run saved inputs through a target
//     durable-fuzzer seeds Fuzz/corpus         # write the seed corpora
import Foundation

enum FuzzTarget: String, CaseIterable {
    case wire, journal, pickle

    var run: ([UInt8]) -> Void {
        switch self {
        case .wire: WireFuzzer.run
        case .journal: JournalFuzzer.run
        case .pickle: PickleFuzzer.run
        }
    }

    var seeds: [[UInt8]] {
        switch self {
        case .wire: WireFuzzer.seeds
        case .journal: JournalFuzzer.seeds
        case .pickle: PickleFuzzer.seeds
        }
    }
}

#if FUZZING
// SwiftPM names an executable's entry point after its module and makes `main` point at it, so
// libFuzzer's own `main` cannot be used: this one runs libFuzzer's driver instead.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

nonisolated(unsafe) private var target = FuzzTarget.wire

@main
struct FuzzerDriver {
    static func main() {
        guard let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"], let chosen = FuzzTarget(rawValue: name) else {
            fatalError("set FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue))")
        }
        target = chosen
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv) { data, size in
            target.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        })
    }
}
#else
@main
struct FuzzerReplay {
    static func main() throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "seeds", arguments.count == 2 {
            for target in FuzzTarget.allCases {
                let folder = arguments[1] + "/" + target.rawValue
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                for (index, seed) in target.seeds.enumerated() {
                    try Data(seed).write(to: URL(fileURLWithPath: "\(folder)/seed-\(index)"))
                }
            }
            return
        }
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
            print("usage: durable-fuzzer wire|journal FILE...   or   durable-fuzzer seeds FOLDER")
            exit(64)
        }
        for path in arguments.dropFirst() {
            target.run(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
            print("\(path): ok")
        }
    }
}
#endif
