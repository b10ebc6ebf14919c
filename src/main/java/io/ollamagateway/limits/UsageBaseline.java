package io.ollamagateway.limits;

import io.ollamagateway.usage.Rollup;
import io.ollamagateway.usage.UsageHistory;
import io.ollamagateway.usage.UsageRollups;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Where token and request counters come from: the usage store (the hourly rollups are the source of truth) plus the rows
 * this instance has collected and not yet written. {@link #derive} reads both as one picture (see
 * {@link UsageRollups#reconcile}), so a row is counted once whether it was written a moment before or after;
 * rows added after the derivation reach the counters through {@link #observe}.
 *
 * <p>Thread-safe; {@link #derive} runs its query on a worker, never on the calling event loop.
 */
public final class UsageBaseline {

  private final UsageRollups rollups;
  private final UsageHistory history;

  public UsageBaseline(UsageRollups rollups, UsageHistory history) {
    this.rollups = rollups;
    this.history = history;
  }

  /**
   * Derives what {@code subject} ({@code user:7} or {@code key:12}) used from {@code from} to {@code to} of
   * {@code metric} ({@code tokens}, or {@code requests}: the requests admitted past the limits) and hands the
   * total to {@code install}, on a worker, while no row can be added: the installed value and
   * the rows observed afterwards add up to everything, each row once. The store counts whole hours, from the
   * hour that contains {@code from}.
   */
  public Future<Void> derive(String subject, String metric, Instant from, Instant to, LongConsumer install) {
    Long userId = subject.startsWith("user:") ? Long.valueOf(subject.substring(5)) : null;
    Long keyId = subject.startsWith("key:") ? Long.valueOf(subject.substring(4)) : null;
    if (userId == null && keyId == null) {
      return Future.failedFuture(new IllegalArgumentException("not a user or key: " + subject));
    }
    boolean requests = metric.equals("requests");
    return rollups.reconcile(() -> requests ? history.admitted(userId, keyId, from, to)
        : history.tokens(userId, keyId, from, to), (stored, pending) -> {
      long total = stored;
      for (Rollup row : pending) {
        if (UsageHistory.counts(row.key(), userId, keyId, from, to)) {
          total += requests ? row.admitted() : row.promptTokens() + row.completionTokens();
        }
      }
      install.accept(total);
    });
  }

  /** Tells {@code observer} of each usage row as it is collected, on the collecting thread. */
  public void observe(Consumer<Rollup> observer) {
    rollups.observe(observer);
  }
}
