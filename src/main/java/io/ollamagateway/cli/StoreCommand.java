package io.ollamagateway.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * What the commands that work on the store directly ({@code users}, {@code keys}) share: the options that
 * choose the store and the output format (inherited by their subcommands), and running an action on the store
 * with {@link StoreAccess}. Runs on the command's thread; blocks.
 */
abstract class StoreCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Option(names = "--database-url", paramLabel = "URL", scope = ScopeType.INHERIT,
      description = "The store (DATABASE_URL; default: SQLite in ./data/gateway.db)")
  String databaseUrl;

  @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "YAML config file (default: config/config.yaml)")
  Path config;

  @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print JSON, for scripts")
  boolean json;

  private final StoreAccess store;

  StoreCommand(Map<String, String> environment, Path workDir) {
    this.store = new StoreAccess(environment, workDir);
  }

  /** Without a subcommand: the usage. */
  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Runs an action on the store; the exit status says how it went. */
  int withStore(StoreAccess.Action action) {
    return store.run(databaseUrl, config, err(), action);
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }
}
