package io.ollamagateway.proxy;

import io.ollamagateway.api.ApiError;
import io.ollamagateway.config.UpstreamConfig;
import io.ollamagateway.upstream.UpstreamProbe;
import java.time.Duration;

/**
 * Turns a transport failure towards an upstream into the error a client can act on: 504 when the upstream
 * was too slow, 502 when it could not be reached or broke the connection. The message names the upstream
 * (by name and URL, never its key) and the setting that governs the wait.
 */
final class UpstreamFailure {

  private UpstreamFailure() {
  }

  static ApiError before(Throwable err, UpstreamConfig upstream, Duration connect, Duration idle) {
    String who = "upstream '" + upstream.name() + "' (" + upstream.displayUrl() + ")";
    String type = err.getClass().getName();
    if (type.endsWith("ConnectTimeoutException")) {
      return new ApiError(504, who + " could not be connected to within " + connect.toMillis()
          + " ms (UPSTREAM_CONNECT_TIMEOUT)");
    }
    if (isTimeout(err)) {
      return new ApiError(504, who + " sent nothing for " + idle.toMillis() + " ms (UPSTREAM_IDLE_TIMEOUT)");
    }
    return new ApiError(502, who + " is unreachable: " + UpstreamProbe.describe(err));
  }

  /** The text of the error line that ends a stream which the upstream broke off. */
  static String during(Throwable err, UpstreamConfig upstream, Duration idle) {
    String who = "upstream '" + upstream.name() + "'";
    return isTimeout(err)
        ? who + " stopped sending for " + idle.toMillis() + " ms (UPSTREAM_IDLE_TIMEOUT)"
        : who + " broke off the answer: " + UpstreamProbe.describe(err);
  }

  static boolean isTimeout(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof java.util.concurrent.TimeoutException || t.getClass().getSimpleName().contains("Timeout")) {
        return true;
      }
    }
    return false;
  }
}
