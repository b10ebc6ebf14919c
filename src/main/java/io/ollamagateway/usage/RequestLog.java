package io.ollamagateway.usage;

import io.ollamagateway.auth.Principal;
import io.ollamagateway.proxy.Exchange;
import io.ollamagateway.proxy.ExchangeListener;
import io.ollamagateway.upstream.Target;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The optional request log ({@code REQUEST_LOG=true}): one {@link RequestRecord} per finished request of a known
 * caller, written in batches off the hot path every flush interval, and records older than the retention
 * deleted every few minutes. A batch the store refuses is kept for the next flush; {@link #shutdown} writes
 * what is left.
 *
 * <p>{@link #record} and {@link #onFinish} run on event loops and only add to concurrent collections; writing
 * runs on a worker, one flush at a time.
 */
public final class RequestLog implements ExchangeListener, UsageRecorder {

  private static final Logger LOG = LoggerFactory.getLogger(RequestLog.class);
  private static final long PRUNE_EVERY_MILLIS = Duration.ofMinutes(10).toMillis();

  private final Vertx vertx;
  private final RequestLogWriter writer;
  private final Duration retention;
  private final Supplier<Instant> clock;
  private final Map<Exchange, Usage> usage = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<RequestRecord> queue = new ConcurrentLinkedQueue<>();
  private final List<RequestRecord> unwritten = new ArrayList<>();
  private final long flushTimer;
  private final long pruneTimer;
  private Future<Void> flushing = Future.succeededFuture();

  public RequestLog(Vertx vertx, RequestLogWriter writer, Duration flushInterval, Duration retention,
      Supplier<Instant> clock) {
    this.vertx = vertx;
    this.writer = writer;
    this.retention = retention;
    this.clock = clock;
    this.flushTimer = vertx.setPeriodic(Math.max(10, flushInterval.toMillis()), t -> flush());
    this.pruneTimer = vertx.setPeriodic(PRUNE_EVERY_MILLIS, t -> prune());
  }

  @Override
  public void record(Exchange exchange, Usage counted, Throwable error) {
    if (exchange.principal() != null && counted != null) {
      usage.put(exchange, counted);
    }
  }

  @Override
  public void onFinish(Exchange exchange, int status, String note) {
    Usage counted = usage.remove(exchange);
    Principal principal = exchange.principal();
    if (principal == null) {
      return;
    }
    Usage u = counted == null ? Usage.NONE : counted;
    Target target = exchange.target();
    long durationMillis = Math.max(0, (System.nanoTime() - exchange.startNanos()) / 1_000_000);
    queue.add(new RequestRecord(0, clock.get(), principal.userId(), principal.keyId(), principal.clientId(),
        exchange.request().method().name(), exchange.path(), exchange.model(),
        target == null ? null : target.upstream().name(), target == null ? null : target.keyIndex(), status,
        durationMillis, exchange.firstByteNanos() / 1_000_000, u.promptTokens(), u.completionTokens(),
        u.estimated(), exchange.requestId(), exchange.targetModel(),
        exchange.cachedTokens()));
  }

  /** Writes what was collected; completes when written (or kept for the next flush after a failure). */
  public synchronized Future<Void> flush() {
    flushing = flushing.transform(previous -> {
      List<RequestRecord> batch = new ArrayList<>();
      for (RequestRecord record; (record = queue.poll()) != null; ) {
        batch.add(record);
      }
      if (batch.isEmpty() && unwritten.isEmpty()) {
        return Future.succeededFuture();
      }
      return vertx.executeBlocking(() -> {
        List<RequestRecord> all = new ArrayList<>(unwritten);
        all.addAll(batch);
        try {
          writer.append(all);
          unwritten.clear();
        } catch (RuntimeException e) {
          unwritten.clear();
          unwritten.addAll(all);
          LOG.warn("cannot write {} request log records; keeping them for the next flush: {}", all.size(),
              e.getMessage());
        }
        return null;
      }, false).mapEmpty();
    });
    return flushing;
  }

  private void prune() {
    Instant cutoff = clock.get().minus(retention);
    vertx.executeBlocking(() -> writer.deleteBefore(cutoff), false)
        .onSuccess(n -> {
          if (n > 0) {
            LOG.info("request log: deleted {} records older than {}", n, cutoff);
          }
        })
        .onFailure(err -> LOG.warn("request log: cannot delete old records: {}", err.getMessage()));
  }

  /** Stops the timers and writes what is left. */
  public Future<Void> shutdown() {
    vertx.cancelTimer(flushTimer);
    vertx.cancelTimer(pruneTimer);
    return flush();
  }
}
