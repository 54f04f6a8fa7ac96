// swift-tools-version: 6.1
import PackageDescription

let strictness: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "DurableManager",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "DurableManager", targets: ["DurableManager"]),
        .library(name: "Proxies", targets: ["Proxies"]),
        .library(name: "DurableWire", targets: ["DurableWire"]),
        // `serve` for custom manager executables, with the same options as durablectl's.
        .library(name: "DurableManagerServe", targets: ["DurableManagerServe"]),
        .executable(name: "durablectl", targets: ["durablectl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        // TLS for TCP listeners and clients (BoringSSL inside): the issue asks for it, and a
        // hand-rolled TLS is not an option.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // The dashboard and /metrics of `serve --http` (DurableManagerHTTP only): a well-kept
        // HTTP server on the NIO we already build, so no hand-written HTTP parsing.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        // The metrics API the manager's counters, gauges and histograms are recorded through.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        // Prometheus text exposition of those metrics: no hand-written exposition format.
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // The journal on PostgreSQL (`serve --journal postgresql://...`): NIO-native, speaks the
        // wire protocol itself, so no libpq binding is written by hand.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // What both sides speak: the value model, its binary codec, the Codable bridge,
        // frames, messages and the authkey handshake.
        .target(
            name: "DurableWire",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "OrderedCollections", package: "swift-collections"),
                // Loading the PEM files of a TLS setting, the same way on both sides.
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictness
        ),
        // CPython's multiprocessing protocol: its frames, its authkey handshake, and a pickle
        // reader that reads data only (never runs anything) with the writer of the replies.
        .target(
            name: "PythonProtocol",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictness
        ),
        // The system's SQLite (libsqlite3-dev): the journal uses its C API directly.
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .target(
            name: "DurableManager",
            dependencies: [
                "DurableWire",
                // The listener for CPython's multiprocessing clients (--listen-python).
                "PythonProtocol",
                "CSQLite",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // The journal reader replays into a store on an embedded loop: no thread, no timers.
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictness
        ),
        // `serve --http`: /metrics, the JSON API and the dashboard page. Its own module so that
        // hummingbird and the metrics packages stay out of the manager and the client libraries.
        .target(
            name: "DurableManagerHTTP",
            dependencies: [
                "DurableManager",
                "DurableWire",
                // The dashboard's poller is an ordinary client of the manager.
                "Proxies",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            // The page's HTML, JavaScript and CSS: served from the package, no CDN.
            resources: [.copy("Dashboard")],
            swiftSettings: strictness
        ),
        // The `serve` command, shared by durablectl and custom manager executables.
        .target(
            name: "DurableManagerServe",
            dependencies: [
                "DurableManager",
                "DurableManagerHTTP",
                "DurableWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictness
        ),
        .target(
            name: "Proxies",
            dependencies: [
                "DurableWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictness
        ),
        .executableTarget(
            name: "durablectl",
            dependencies: [
                "DurableManager",
                "DurableManagerServe",
                "Proxies",
                "DurableWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictness
        ),
        // Custom managers: `swift run seed-example`, `swift run durable-counter-example`; jobs
        // that survive their workers and the manager: `swift run job-coordination-example`.
        .executableTarget(
            name: "seed-example",
            dependencies: ["DurableManager", "DurableManagerServe", "Proxies"],
            path: "Examples/SeedExample",
            swiftSettings: strictness
        ),
        .executableTarget(
            name: "durable-counter-example",
            dependencies: ["DurableManager", "DurableManagerServe", "Proxies"],
            path: "Examples/DurableCounter",
            swiftSettings: strictness
        ),
        .executableTarget(
            name: "job-coordination-example",
            dependencies: ["DurableManager", "DurableManagerServe", "Proxies"],
            path: "Examples/JobCoordination",
            swiftSettings: strictness
        ),
        .testTarget(
            name: "DurableWireTests",
            dependencies: [
                "DurableWire",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: strictness
        ),
        .testTarget(
            name: "PythonProtocolTests",
            dependencies: [
                "PythonProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: strictness
        ),
        .testTarget(
            name: "DurableManagerTests",
            dependencies: [
                "DurableManager",
                "DurableWire",
                "PythonProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: strictness
        ),
        // A client process for the end-to-end tests: a producer, a consumer, a lock holder.
        .executableTarget(
            name: "durable-test-client",
            dependencies: ["Proxies", "DurableWire"],
            path: "Tests/TestClient",
            swiftSettings: strictness
        ),
        .executableTarget(
            name: "durable-test-manager",
            dependencies: ["DurableManager", "DurableManagerServe"],
            path: "Tests/TestManager",
            swiftSettings: strictness
        ),
        // The fuzz targets (wire frames, journal values): scripts/fuzz.sh builds them for
        // libFuzzer; a normal build makes a replayer of saved inputs.
        .executableTarget(
            name: "durable-fuzzer",
            dependencies: [
                "DurableManager",
                "PythonProtocol",
                "DurableWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/Fuzzer",
            swiftSettings: strictness
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "Proxies",
                "DurableWire",
                .target(name: "durablectl"),
                .target(name: "durable-test-client"),
                .target(name: "durable-test-manager"),
                .target(name: "seed-example"),
                .target(name: "durable-counter-example"),
                .target(name: "job-coordination-example"),
                "CSQLite",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            // CPython client scripts that PythonClientTests runs with the machine's python3.
            exclude: ["Python"],
            swiftSettings: strictness
        ),
    ]
)
