package io.ollamagateway;

import io.ollamagateway.cli.GatewayCommand;
import ch.qos.logback.classic.LoggerContext;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/** The jar's entry point: runs the command line and exits with its status. */
public final class Main {

  private Main() {
  }

  public static void main(String[] args) {
    int status = GatewayCommand.run(args, System.getenv(), Path.of("").toAbsolutePath());
    // logging is asynchronous: write out what is queued before the JVM goes
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logging) {
      logging.stop();
    }
    System.exit(status);
  }
}
