package io.ollamagateway.proxy;

import io.ollamagateway.api.ApiError;
import io.ollamagateway.config.UpstreamConfig;
import io.ollamagateway.upstream.UpstreamProbe;
import java.time.Duration;

/**
 * Turns a transport failure towards an upstream into the error a client can act on: 504 when the upstream
 * was too slow, 502 when it could not be reached or broke the connection. The message names the upstream by its
 * configured name and the setting that governs the wait; never its URL, address or key, nor the text of the
 * underlying exception (which names addresses): {@link #detail} is that text, for the log and for admins.
 */
final class UpstreamFailure {

  private UpstreamFailure() {
  }

  static ApiError before(Throwable err, UpstreamConfig upstream, Duration connect, Duration idle) {
    String who = "upstream '" + upstream.name() + "'";
    String type = err.getClass().getName();
    if (type.endsWith("ConnectTimeoutException")) {
      return new ApiError(504, who + " could not be connected to within " + connect.toMillis()
          + " ms (UPSTREAM_CONNECT_TIMEOUT)");
    }
    if (isTimeout(err)) {
      return new ApiError(504, who + " sent nothing for " + idle.toMillis() + " ms (UPSTREAM_IDLE_TIMEOUT)");
    }
    return new ApiError(502, who + " is unreachable: " + kind(err));
  }

  /** What went wrong, with the addresses the exception names: for the log and admins, never for clients. */
  static String detail(Throwable err) {
    return "unreachable: " + UpstreamProbe.describe(err);
  }

  /** A short kind of transport failure that names no address. */
  static String kind(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      String name = t.getClass().getSimpleName();
      String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(java.util.Locale.ROOT);
      if (t instanceof java.net.UnknownHostException || name.contains("UnknownHost")) {
        return "its host name does not resolve";
      }
      if (name.contains("SSL") || name.contains("Ssl") || name.contains("Certificate")) {
        return "the TLS handshake failed";
      }
      if (message.contains("refused")) {
        return "connection refused";
      }
      if (message.contains("reset")) {
        return "connection reset";
      }
      if (name.contains("Closed") || message.contains("closed")) {
        return "the connection was closed";
      }
    }
    return "connection failed";
  }

  /** The text of the error line that ends a stream which the upstream broke off. */
  static String during(Throwable err, UpstreamConfig upstream, Duration idle) {
    String who = "upstream '" + upstream.name() + "'";
    return isTimeout(err)
        ? who + " stopped sending for " + idle.toMillis() + " ms (UPSTREAM_IDLE_TIMEOUT)"
        : who + " broke off the answer: " + kind(err);
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
