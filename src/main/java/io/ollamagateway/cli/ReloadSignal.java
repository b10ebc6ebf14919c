package io.ollamagateway.cli;

import io.ollamagateway.server.Gateway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the upstreams on {@code SIGHUP}. It uses {@code sun.misc.Signal} (module jdk.unsupported), the only
 * way a Java program can catch a signal; on a runtime or platform without it (Windows has no SIGHUP) the
 * gateway starts anyway and {@code POST /admin/api/reload} remains. The handler runs on the JVM's signal
 * thread and only starts the reload, which is asynchronous.
 */
final class ReloadSignal {

  private static final Logger LOG = LoggerFactory.getLogger(ReloadSignal.class);

  private ReloadSignal() {
  }

  static void install(Gateway gateway) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
        LOG.info("SIGHUP: reloading upstreams and keys");
        gateway.reload().onFailure(err -> LOG.warn("reload refused, the running configuration is kept: {}",
            err.getMessage()));
      });
    } catch (Throwable unavailable) {
      // LinkageError without jdk.unsupported, IllegalArgumentException where the signal does not exist
      LOG.info("SIGHUP reload is not available here ({}); use POST /admin/api/reload", unavailable.toString());
    }
  }
}
