package io.ollamagateway.server;

import io.ollamagateway.config.ConfigException;
import io.ollamagateway.config.TlsConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.util.Optional;

/**
 * HTTPS for the gateway's listeners from {@code TLS_CERT_FILE} / {@code TLS_KEY_FILE}: TLS with the JDK's engine,
 * and HTTP/2 offered by ALPN next to HTTP/1.1 (clients without ALPN keep HTTP/1.1).
 */
final class Tls {

  private Tls() {
  }

  /** The options with TLS switched on when it is configured; unchanged otherwise. */
  static HttpServerOptions apply(Optional<TlsConfig> tls, HttpServerOptions options) {
    tls.ifPresent(t -> options.setSsl(true).setUseAlpn(true).setKeyCertOptions(pem(t)));
    return options;
  }

  static String scheme(Optional<TlsConfig> tls) {
    return tls.isPresent() ? "https" : "http";
  }

  /**
   * Loads the key and certificate once, so that an unusable pair stops the start with a message naming the
   * settings rather than failing every listener on its own. Blocks (reads files): call it off event loops.
   */
  static void check(Vertx vertx, Optional<TlsConfig> tls) {
    if (tls.isEmpty()) {
      return;
    }
    try {
      pem(tls.get()).getKeyManagerFactory(vertx);
    } catch (Exception e) {
      throw new ConfigException("TLS_CERT_FILE / TLS_KEY_FILE: cannot use " + tls.get().certFile() + " with "
          + tls.get().keyFile() + ": " + rootMessage(e));
    }
  }

  private static PemKeyCertOptions pem(TlsConfig tls) {
    return new PemKeyCertOptions().setCertPath(tls.certFile().toString()).setKeyPath(tls.keyFile().toString());
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }
}
