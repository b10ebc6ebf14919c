package io.ollamagateway.testing;

import io.ollamagateway.cli.GatewayCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Runs the command line in-process and captures what it prints. The request log lines of a gateway running in the
 * same JVM (loggers {@code access} and {@code auth}) are left out: logback's asynchronous worker writes them to
 * whatever {@code System.out} is at that moment, so a line of an earlier request could land in the command's
 * captured output and break its JSON. The command's own log lines stay.
 */
public final class Cli {

  private static final Pattern LOG_LINE = Pattern.compile(
      "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2}) "
          + "(TRACE|DEBUG|INFO|WARN|ERROR) +(access|auth) - .*\\R",
      Pattern.MULTILINE);

  /** How a command ended. */
  public record Result(int status, String out, String err) {
  }

  private Cli() {
  }

  public static synchronized Result run(Map<String, String> environment, Path workDir, String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int status = GatewayCommand.run(args, environment, workDir);
      return new Result(status, withoutLogLines(out), withoutLogLines(err));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  private static String withoutLogLines(ByteArrayOutputStream captured) {
    return LOG_LINE.matcher(captured.toString(StandardCharsets.UTF_8)).replaceAll("");
  }
}
