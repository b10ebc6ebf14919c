package io.ollamagateway.usage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.StampedLock;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects usage in memory as hourly rows and hands them to a {@link RollupWriter} in batches, every flush
 * interval, on a worker: the request path only adds to a map. A batch that cannot be written is kept and
 * offered again with the next one, so nothing accepted is lost while the store is briefly away; a crash loses
 * at most one flush interval. {@link #close()} writes what is left.
 *
 * <p>{@link #add} is thread-safe and waits only for a flush swapping in a fresh map (a pointer swap); flushing
 * runs one at a time.
 */
public final class UsageRollups implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(UsageRollups.class);

  private final Vertx vertx;
  private final RollupWriter writer;
  private final Supplier<Instant> clock;
  private final AtomicReference<ConcurrentHashMap<Rollup.Key, Rollup>> current =
      new AtomicReference<>(new ConcurrentHashMap<>());
  private final Map<Rollup.Key, Rollup> unwritten = new HashMap<>();
  // add() holds the read side while it merges into the current map, the flush takes the write side to swap the
  // map: without it an add that read the old map just before the swap could merge into it after the flush had
  // copied it, and that row was lost (seen with the first add, slowed by linking its method reference).
  // A StampedLock rather than a ReentrantReadWriteLock: its read side is one compare-and-set each way, without
  // the per-thread hold counts that a second event loop made the other lock keep.
  private final StampedLock swap = new StampedLock();
  private final long timer;
  private Future<Void> flushing = Future.succeededFuture();
  private volatile Consumer<Rollup> observer = row -> { };
  private volatile Instant hour = Instant.EPOCH; // the last hour a request ended in, kept rather than made each time

  public UsageRollups(Vertx vertx, RollupWriter writer, Duration flushInterval, Supplier<Instant> clock) {
    this.vertx = vertx;
    this.writer = writer;
    this.clock = clock;
    this.timer = vertx.setPeriodic(Math.max(10, flushInterval.toMillis()), t -> flush());
  }

  /** The hour a request that ends now belongs to. */
  public Instant hourNow() {
    Instant now = clock.get();
    Instant hour = this.hour;
    long into = now.getEpochSecond() - hour.getEpochSecond();
    if (into < 0 || into >= 3600) {
      hour = now.truncatedTo(ChronoUnit.HOURS);
      this.hour = hour; // an Instant is immutable: whichever thread wrote last, each reader sees a whole one
    }
    return hour;
  }

  /** Adds to a row of the current batch. */
  public void add(Rollup rollup) {
    long stamp = swap.readLock();
    try {
      current.get().merge(rollup.key(), rollup, Rollup::plus);
      observer.accept(rollup);
    } finally {
      swap.unlockRead(stamp);
    }
  }

  /** Writes everything collected so far; completes when it is durable (or failed, kept for the next try). */
  public synchronized Future<Void> flush() {
    flushing = flushing.transform(previous -> {
      Map<Rollup.Key, Rollup> batch;
      long stamp = swap.writeLock();
      try {
        batch = current.getAndSet(new ConcurrentHashMap<>());
      } finally {
        swap.unlockWrite(stamp);
      }
      return vertx.executeBlocking(() -> {
        synchronized (unwritten) {
          batch.forEach((key, rollup) -> unwritten.merge(key, rollup, Rollup::plus));
          if (unwritten.isEmpty()) {
            return null;
          }
          Collection<Rollup> rows = new ArrayList<>(unwritten.values());
          try {
            writer.add(rows);
            unwritten.clear();
          } catch (RuntimeException e) {
            LOG.warn("usage could not be written ({} rows kept for the next flush): {}", rows.size(), e.toString());
            throw e;
          }
          return null;
        }
      }, false);
    });
    return flushing;
  }

  /**
   * Tells {@code observer} of every row added from now on, on the adding thread, while the row cannot be
   * written yet: {@link #reconcile} sees each row either among the rows it hands over or afterwards, through
   * the observer, never both and never neither. The observer must be quick and must not block.
   */
  public void observe(Consumer<Rollup> observer) {
    this.observer = observer;
  }

  /**
   * Reads the store and the rows not yet in it as one picture, so that what is derived from both counts each
   * row exactly once: runs {@code read} on a worker while no flush is under way (it waits for a running one),
   * then calls {@code install} with its result and the rows collected but not yet written, while no row can
   * be added. Rows added later reach the {@link #observe observer}. Flushes wait for it in turn.
   *
   * @param read reads the store; may block
   * @param install uses both; runs on the worker and briefly holds up {@link #add}: keep it short
   */
  public synchronized <T> Future<Void> reconcile(Callable<T> read, BiConsumer<T, List<Rollup>> install) {
    Future<Void> done = flushing.transform(previous -> vertx.executeBlocking(() -> {
      T stored = read.call();
      long stamp = swap.writeLock();
      try {
        List<Rollup> rows = new ArrayList<>(current.get().values());
        synchronized (unwritten) {
          rows.addAll(unwritten.values());
        }
        install.accept(stored, rows);
      } finally {
        swap.unlockWrite(stamp);
      }
      return null;
    }, false));
    flushing = done.transform(result -> Future.succeededFuture());
    return done;
  }

  /** Rows not yet written (collected or kept after a failure), for tests and shutdown. */
  public List<Rollup> pending() {
    List<Rollup> rows = new ArrayList<>(current.get().values());
    synchronized (unwritten) {
      rows.addAll(unwritten.values());
    }
    return rows;
  }

  /**
   * Stops the periodic flush and writes what is left, without blocking: for a graceful stop chained on
   * futures. Completes when the last batch is durable, or fails (the rows are then lost with the process).
   */
  public Future<Void> shutdown() {
    vertx.cancelTimer(timer);
    return flush();
  }

  /** Stops the periodic flush and writes what is left. Blocks until done: call it off the event loops. */
  @Override
  public void close() {
    try {
      shutdown().await(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.error("usage of the last {} rows could not be written at shutdown: {}", pending().size(), e.toString());
    }
  }
}
