package io.ollamagateway.usage;

import io.ollamagateway.auth.Principal;
import io.ollamagateway.proxy.Exchange;
import io.ollamagateway.proxy.ExchangeListener;
import io.ollamagateway.upstream.Target;

/**
 * Turns proxied requests into hourly usage rows: each finished exchange adds one request (an error when the
 * client saw a 5xx or went away, 499; admitted when it passed admission, which request quotas count), its
 * duration and time to first byte; each metered answer adds its
 * tokens to the row of the same key. Requests refused before the caller was known (no principal) are not
 * charged to anyone and are not recorded.
 *
 * <p>Called on event loops; only adds to {@link UsageRollups}' in-memory map, never blocks.
 */
public final class UsageLedger implements ExchangeListener, UsageRecorder {

  private final UsageRollups rollups;

  public UsageLedger(UsageRollups rollups) {
    this.rollups = rollups;
  }

  @Override
  public void onFinish(Exchange exchange, int status, String note) {
    Rollup.Key key = key(exchange);
    if (key == null) {
      return;
    }
    long durationMillis = Math.max(0, (System.nanoTime() - exchange.startNanos()) / 1_000_000);
    long firstByteMillis = exchange.firstByteNanos() > 0 ? exchange.firstByteNanos() / 1_000_000 : 0;
    boolean error = status >= 500 || status == 499;
    rollups.add(new Rollup(key, 1, 0, 0, 0, error ? 1 : 0, durationMillis, firstByteMillis,
        exchange.admitted() ? 1 : 0));
  }

  @Override
  public void record(Exchange exchange, Usage usage, Throwable error) {
    Rollup.Key key = key(exchange);
    if (key == null || usage == null) {
      return;
    }
    long estimated = usage.estimated() ? usage.totalTokens() : 0;
    rollups.add(new Rollup(key, 0, usage.promptTokens(), usage.completionTokens(), estimated, 0, 0, 0));
  }

  private Rollup.Key key(Exchange exchange) {
    Principal principal = exchange.principal();
    if (principal == null) {
      return null;
    }
    Target target = exchange.target();
    String model = exchange.model();
    return new Rollup.Key(rollups.hourNow(), principal.userId(), principal.keyId(), principal.clientId(),
        model == null ? "" : model, target == null ? "" : target.upstream().name(),
        target == null ? -1 : target.keyIndex());
  }
}
