package io.ollamagateway;

import io.ollamagateway.cli.GatewayCommand;
import java.nio.file.Path;

/** The jar's entry point: runs the command line and exits with its status. */
public final class Main {

  private Main() {
  }

  public static void main(String[] args) {
    System.exit(GatewayCommand.run(args, System.getenv(), Path.of("").toAbsolutePath()));
  }
}
