package io.ollamagateway.cli;

import io.ollamagateway.server.BuildInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The top-level command. {@code serve} is the default: {@code java -jar ollama-gateway.jar --port 9000} is
 * {@code ... serve --port 9000}.
 */
@Command(name = "ollama-gateway", mixinStandardHelpOptions = true, versionProvider = GatewayCommand.Version.class,
    description = "An authenticating, metering, streaming gateway for Ollama and Ollama Cloud.")
public final class GatewayCommand implements Runnable {

  private static final Set<String> TOP_LEVEL_OPTIONS = Set.of("-h", "--help", "-V", "--version");
  /**
   * The subcommands, in the order help lists them. picocli reads a command's annotations when it is added, and
   * {@code users} and {@code keys} have a dozen subcommands of their own: a command line that names one of
   * these gets only that one (for {@code serve}, a fifth less work on the start-up thread, issue 27); help, a
   * version or a mistake gets them all.
   */
  private static final List<Class<?>> SUBCOMMANDS = List.of(ServeCommand.class, EmulatorCommand.class,
      UsersCommand.class, KeysCommand.class, CommandLine.HelpCommand.class);

  /**
   * Runs the command line.
   *
   * @param environment the environment to read settings from
   * @param workDir the directory of {@code .env} and {@code config/}
   * @return the exit status: 0 ok, 1 bad usage or a failed command, 2 bad configuration
   */
  public static int run(String[] args, Map<String, String> environment, Path workDir) {
    return run(args, environment, workDir, null, null);
  }

  /**
   * Runs the command line with its output and error text going to the given writers ({@code null}: standard
   * output and error), apart from what the logs print.
   */
  public static int run(String[] args, Map<String, String> environment, Path workDir, java.io.PrintWriter out,
      java.io.PrintWriter err) {
    String[] effective = args;
    if (args.length == 0 || (args[0].startsWith("-") && !TOP_LEVEL_OPTIONS.contains(args[0]))) {
      effective = new String[args.length + 1];
      effective[0] = "serve";
      System.arraycopy(args, 0, effective, 1, args.length);
    }
    Factory factory = new Factory(environment, workDir);
    CommandLine commandLine = new CommandLine(new GatewayCommand(), factory);
    String named = effective[0];
    List<Class<?>> wanted = SUBCOMMANDS.stream()
        .filter(type -> type != CommandLine.HelpCommand.class && nameOf(type).equals(named)).toList();
    for (Class<?> type : wanted.isEmpty() ? SUBCOMMANDS : wanted) {
      commandLine.addSubcommand(nameOf(type), new CommandLine(type, factory));
    }
    if (out != null) {
      commandLine.setOut(out);
    }
    if (err != null) {
      commandLine.setErr(err);
    }
    return commandLine.execute(effective);
  }

  private static String nameOf(Class<?> type) {
    return type.getAnnotation(Command.class).name();
  }

  @Override
  public void run() {
    // reached only through an explicit empty invocation handled in run(...); nothing to do
  }

  /** Creates subcommands with the process's environment and working directory, without reflection tricks. */
  private record Factory(Map<String, String> environment, Path workDir) implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> type) throws Exception {
      if (type == ServeCommand.class) {
        return type.cast(new ServeCommand(environment, workDir));
      }
      if (type == UsersCommand.class) {
        return type.cast(new UsersCommand(environment, workDir));
      }
      if (type == KeysCommand.class) {
        return type.cast(new KeysCommand(environment, workDir));
      }
      return CommandLine.defaultFactory().create(type);
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"ollama-gateway " + BuildInfo.version()};
    }
  }
}
