import ArgumentParser
import DurableManagerServe

@main
struct Durablectl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "durablectl",
        abstract: "Serve a DurableManager and look into it.",
        discussion: """
            A manager holds shared dicts, lists, Namespaces, Queues and synchronization primitives \
            for client processes. With no flags every command uses the default state folder \
            ($DURABLE_MANAGER_HOME, else $XDG_STATE_HOME/durablemanager, else \
            ~/.local/state/durablemanager): its socket, authkey and journal.

            Examples:
              durablectl serve
              durablectl ping
              durablectl shutdown
              durablectl objects
              durablectl sessions
              durablectl journal --follow
              durablectl bench --op dict_set --clients 8 --total 40000
            """,
        subcommands: [
            ServeCommand.self, Ping.self, Sessions.self, Shutdown.self, Call.self,
            Objects.self, Show.self, JournalLog.self, Stats.self, Verify.self,
            Checkpoint.self, Export.self, Import.self, Bench.self,
        ]
    )
}
