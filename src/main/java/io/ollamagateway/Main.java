package io.ollamagateway;

import io.ollamagateway.cli.GatewayCommand;
import io.ollamagateway.server.JvmFootprint;
import ch.qos.logback.classic.LoggerContext;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/** The jar's entry point: runs the command line and exits with its status. */
public final class Main {

  private Main() {
  }

  public static void main(String[] args) {
    useNettysPooledAllocator();
    JvmFootprint.nettyDefaults();
    int status = GatewayCommand.run(args, System.getenv(), Path.of("").toAbsolutePath());
    // logging is asynchronous: write out what is queued before the JVM goes
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logging) {
      logging.stop();
    }
    System.exit(status);
  }

  /**
   * Netty 4.2 allocates buffers with its adaptive allocator by default, and Vert.x takes whatever Netty's default
   * is. Its per-buffer bookkeeping (a shared recycler queue, segment queues) was a fifth of the gateway's Java
   * samples per proxied request; the pooled allocator, with its per-thread caches, cost 6-9% less CPU per
   * request in every round of two side-by-side runs (bench/RESULTS.md, 2026-12-04 18:40). Netty reads the property
   * once, when its buffer classes load, so this must run before anything touches Netty. An explicit
   * {@code -Dio.netty.allocator.type=...} wins.
   */
  private static void useNettysPooledAllocator() {
    if (System.getProperty("io.netty.allocator.type") == null) {
      System.setProperty("io.netty.allocator.type", "pooled");
    }
  }
}
