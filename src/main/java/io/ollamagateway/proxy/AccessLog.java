package io.ollamagateway.proxy;

import io.ollamagateway.auth.Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one line per finished request to the {@code access} logger: method, path, status, duration, bytes
 * sent, request id, model, client id and upstream. Never credentials: the client id is a principal's public id.
 * Called on the request's event loop; each thread builds its lines in a buffer of its own, reused.
 */
public final class AccessLog implements ExchangeListener {

  private static final Logger LOG = LoggerFactory.getLogger("access");

  private final boolean enabled;
  private final ThreadLocal<StringBuilder> lines = ThreadLocal.withInitial(() -> new StringBuilder(160));

  public AccessLog(boolean enabled) {
    this.enabled = enabled && LOG.isInfoEnabled();
  }

  @Override
  public void onFinish(Exchange exchange, int status, String note) {
    if (!enabled) {
      return;
    }
    long micros = (System.nanoTime() - exchange.startNanos()) / 1000;
    Principal principal = exchange.principal();
    StringBuilder line = lines.get();
    line.setLength(0);
    line.append(exchange.request().method().name()).append(' ')
        .append(exchange.request().path()).append(' ')
        .append(status).append(' ')
        .append(micros / 1000).append('.').append((micros % 1000) / 100).append("ms ")
        .append(exchange.request().response().bytesWritten()).append("B")
        .append(" id=").append(exchange.requestId());
    String model = exchange.model();
    if (model != null) {
      line.append(" model=").append(model.replace(' ', '_'));
    }
    line.append(" client=").append(principal == null ? "-" : principal.clientId());
    if (exchange.target() != null) {
      line.append(" upstream=").append(exchange.target().upstream().name());
      if (exchange.target().keyIndex() >= 0) {
        line.append(" key=#").append(exchange.target().keyIndex());
      }
    }
    if (note != null) {
      line.append(' ').append(note);
    }
    LOG.info(line.toString());
    if (line.capacity() > 8192) {
      lines.remove(); // a very long line (a long path or note) does not keep its buffer
    }
  }
}
