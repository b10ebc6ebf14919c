package io.ollamagateway.testing;

import io.ollamagateway.cli.GatewayCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * Runs the command line in-process and captures what it prints: the command's own output and error text, apart
 * from log lines (which other threads, such as a gateway running in the same JVM, may print meanwhile). Text a
 * command writes straight to the standard streams is captured too.
 */
public final class Cli {

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
      java.io.StringWriter commandOut = new java.io.StringWriter();
      java.io.StringWriter commandErr = new java.io.StringWriter();
      int status = GatewayCommand.run(args, environment, workDir, new java.io.PrintWriter(commandOut, true),
          new java.io.PrintWriter(commandErr, true));
      return new Result(status, commandOut.toString(), commandErr + err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }
}
