package io.ollamagateway.limits;

import io.ollamagateway.usage.Rollup;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@link Budgets} of one gateway instance, in memory. One lock guards all counters: a reservation touches a
 * handful of them for a few nanoseconds, far less than anything else a request does.
 *
 * <p>With a {@link UsageBaseline} (the gateway's setup), counters are a cache of the usage store: each hourly,
 * daily and monthly token and request counter is derived from the store and the usage not yet written when it
 * is first needed (after a start, or when a quota is set), and then fed by every usage row collected for its
 * subject, whichever key or route it came from, whether a limit names it at that moment or not: tokens, and
 * requests admitted. A reservation holds its tokens, and its one request, as reserved: a settle gives back the
 * tokens, {@link #requestOver} the request, once the usage row counts them. A counter derived more than
 * {@code resync} ago is derived again before the next reservation that uses it (one indexed query per counter
 * and interval), so that usage another instance wrote to the same store is seen. Per-minute counters count
 * from the start of the instance. Without a baseline (tests of the counting alone), a reservation counts its
 * request and a settle adds the real count itself.
 *
 * <p>Thread-safe; never blocks for long: derivations run on workers and the reservation waits for them
 * asynchronously.
 */
public final class MemoryBudgets implements Budgets {

  private static final class Counter {
    long used;
    long reserved;
    final Window.Span span;
    final boolean tokens;
    final Window window;
    /** The counters fed by the usage rows of this one's subject (this one among them), or {@code null}. */
    List<Counter> feeders;
    boolean derived;
    /** When the derivation gets old enough to be made again. */
    Instant staleAt;
    Future<Void> deriving;

    Counter(Window.Span span, Budget budget) {
      this.span = span;
      this.tokens = budget.metric().equals("tokens");
      this.window = budget.window();
    }
  }

  private final UsageBaseline baseline;
  private final Duration resync;
  private final Supplier<Instant> clock;
  private final BudgetKeys names;
  private final Map<String, Counter> counters = new HashMap<>();
  // user and key ids (of subjects user:7 and key:12) -> the counters their usage rows feed, so that a row finds
  // them from its ids, without a name built
  private final Map<Long, List<Counter>> fedUsers = new HashMap<>();
  private final Map<Long, List<Counter>> fedKeys = new HashMap<>();
  private int sinceSweep;

  /** Counters that a settle alone feeds, starting from zero (no store). */
  public MemoryBudgets(ZoneId zone) {
    this(zone, null, Duration.ZERO, Instant::now);
  }

  /**
   * Token counters derived from {@code baseline} and fed by its usage rows.
   *
   * @param resync how old a derivation may get before the counter is derived again
   * @param clock the time of usage rows for minute counters
   */
  public MemoryBudgets(ZoneId zone, UsageBaseline baseline, Duration resync, Supplier<Instant> clock) {
    this.names = new BudgetKeys("", zone);
    this.baseline = baseline;
    this.resync = resync;
    this.clock = clock;
    if (baseline != null) {
      baseline.observe(this::collected);
    }
  }

  @Override
  public Future<Reservation> reserve(Claim claim, Instant now) {
    return reserve(claim, now, false);
  }

  /** @param refreshed whether the stale counters were just derived again (successfully or not) */
  private Future<Reservation> reserve(Claim claim, Instant now, boolean refreshed) {
    List<Runnable> starts = new ArrayList<>(0);
    Future<Reservation> reserved = reserve(claim, now, refreshed, starts);
    starts.forEach(Runnable::run); // outside the lock: the derivation takes the usage collector's locks
    return reserved;
  }

  private synchronized Future<Reservation> reserve(Claim claim, Instant now, boolean refreshed,
      List<Runnable> starts) {
    sweep(now);
    int requests = claim.requestBudgets().size();
    int n = requests + claim.tokenBudgets().size();
    if (baseline != null) {
      List<Future<Void>> waits = null;
      for (int i = 0; i < n; i++) {
        Budget budget = budget(claim, i);
        if (budget.window() == Window.MINUTE) {
          continue; // not in hourly rollups: counted from the start of the instance
        }
        Window.Span span = names.span(budget, now);
        Counter counter = counter(budget, span);
        Future<Void> wait = null;
        if (!counter.derived) {
          wait = derive(budget, span, counter, starts);
        } else if (!refreshed && counter.staleAt.isBefore(clock.get())) {
          // a store that cannot be read now keeps the counter as it was: this instance's own usage still counts
          wait = derive(budget, span, counter, starts).otherwise((Void) null);
        }
        if (wait != null) {
          if (waits == null) {
            waits = new ArrayList<>();
          }
          waits.add(wait);
        }
      }
      if (waits != null) {
        return Future.all(waits).compose(all -> reserve(claim, now, true));
      }
    }
    Budget[] budgets = new Budget[n];
    Window.Span[] spans = new Window.Span[n];
    Counter[] found = new Counter[n];
    long[] available = new long[n];
    for (int i = 0; i < n; i++) {
      budgets[i] = budget(claim, i);
      spans[i] = names.span(budgets[i], now);
      found[i] = counter(budgets[i], spans[i]);
      available[i] = budgets[i].limit() - found[i].used - found[i].reserved;
    }
    int refusing = -1;
    for (int i = 0; i < requests && refusing < 0; i++) {
      if (available[i] < 1) {
        refusing = i;
      }
    }
    long grant = claim.maxTokens();
    for (int i = requests; i < n; i++) {
      grant = Math.min(grant, available[i]);
    }
    for (int i = requests; i < n && refusing < 0; i++) {
      if (available[i] < claim.minTokens()) {
        refusing = i;
      }
    }
    if (refusing >= 0) {
      return Future.succeededFuture(new Reservation(false, 0, states(budgets, spans, available, false, 0, requests),
          budgets[refusing], List.of()));
    }
    String[] requestKeys = new String[requests];
    int fed = 0;
    for (int i = 0; i < requests; i++) {
      if (fed(budgets[i])) {
        found[i].reserved += 1; // until its usage row counts it: requestOver
        requestKeys[fed++] = names.key(budgets[i], spans[i]);
      } else {
        found[i].used += 1;
      }
    }
    String[] keys = new String[n - requests];
    for (int i = requests; i < n; i++) {
      found[i].reserved += grant;
      keys[i - requests] = names.key(budgets[i], spans[i]);
    }
    return Future.succeededFuture(new Reservation(true, n > requests ? grant : claim.maxTokens(),
        states(budgets, spans, available, true, grant, requests), null, List.of(keys), "",
        List.of(fed == requests ? requestKeys : Arrays.copyOf(requestKeys, fed)), List.of()));
  }

  /** The claim's {@code i}th budget: its request budgets, then its token budgets. */
  private static Budget budget(Claim claim, int i) {
    int requests = claim.requestBudgets().size();
    return i < requests ? claim.requestBudgets().get(i) : claim.tokenBudgets().get(i - requests);
  }

  @Override
  public synchronized Future<Void> requestOver(Reservation reservation, boolean admitted) {
    // reserved until now either way: an admitted request's row has counted it, a turned away one has none
    if (reservation.granted()) {
      for (String key : reservation.requestKeys()) {
        Counter counter = counters.get(key);
        if (counter != null) {
          counter.reserved = Math.max(0, counter.reserved - 1);
        }
      }
    }
    return Future.succeededFuture();
  }

  /** Whether usage rows feed this budget's counter, which a reservation then only holds as reserved. */
  private boolean fed(Budget budget) {
    return baseline != null && (budget.metric().equals("tokens") || budget.window() != Window.MINUTE);
  }

  @Override
  public synchronized Future<Void> settle(Reservation reservation, long actualTokens) {
    if (reservation.granted()) {
      for (String key : reservation.windowKeys()) {
        Counter counter = counters.get(key);
        if (counter != null) {
          counter.reserved = Math.max(0, counter.reserved - reservation.tokens());
          if (baseline == null) {
            counter.used += actualTokens;
          }
        }
      }
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<List<Reservation.State>> peek(List<Budget> budgets, Instant now) {
    List<Runnable> starts = new ArrayList<>(0);
    Future<List<Reservation.State>> states = peek(budgets, now, starts);
    starts.forEach(Runnable::run);
    return states;
  }

  private synchronized Future<List<Reservation.State>> peek(List<Budget> budgets, Instant now,
      List<Runnable> starts) {
    if (baseline != null) {
      List<Future<Void>> waits = new ArrayList<>();
      for (Budget budget : budgets) {
        if (budget.window() != Window.MINUTE) {
          Window.Span span = names.span(budget, now);
          Counter counter = counter(budget, span);
          if (!counter.derived) {
            waits.add(derive(budget, span, counter, starts));
          }
        }
      }
      if (!waits.isEmpty()) {
        return Future.all(waits).compose(all -> peek(budgets, now));
      }
    }
    List<Reservation.State> states = new ArrayList<>();
    for (Budget budget : budgets) {
      Window.Span span = names.span(budget, now);
      Counter counter = counters.get(names.key(budget, span));
      long spent = counter == null ? 0 : counter.used + counter.reserved;
      states.add(new Reservation.State(budget, Math.max(0, budget.limit() - spent), span.end()));
    }
    return Future.succeededFuture(states);
  }

  /** The states after a granted reservation took one request and {@code grant} tokens, or a refused one none. */
  static List<Reservation.State> states(List<Budget> budgets, List<Window.Span> spans, long[] available,
      boolean granted, long grant, int requests) {
    return states(budgets.toArray(new Budget[0]), spans.toArray(new Window.Span[0]), available, granted, grant,
        requests);
  }

  private static List<Reservation.State> states(Budget[] budgets, Window.Span[] spans, long[] available,
      boolean granted, long grant, int requests) {
    Reservation.State[] states = new Reservation.State[budgets.length];
    for (int i = 0; i < budgets.length; i++) {
      long taken = !granted ? 0 : (i < requests ? 1 : grant);
      states[i] = new Reservation.State(budgets[i], Math.max(0, available[i] - taken), spans[i].end());
    }
    return List.of(states);
  }

  private Counter counter(Budget budget, Window.Span span) {
    String key = names.key(budget, span);
    Counter counter = counters.get(key);
    if (counter == null) {
      counter = new Counter(span, budget);
      counters.put(key, counter);
      if (fed(budget)) {
        feed(counter, budget.subject());
      }
    }
    return counter;
  }

  /**
   * Derives a counter from the store, one derivation at a time; completes when installed (on a worker).
   * Called under the lock, it adds to {@code starts} what begins the derivation, for the caller to run once
   * it has let go of the lock: the derivation takes the usage collector's locks, whose holders may be waiting
   * for this one ({@link #collected}).
   */
  private Future<Void> derive(Budget budget, Window.Span span, Counter counter, List<Runnable> starts) {
    if (counter.deriving != null) {
      return counter.deriving;
    }
    Promise<Void> deriving = Promise.promise();
    counter.deriving = deriving.future();
    starts.add(() -> baseline.derive(budget.subject(), budget.metric(), span.start(), span.end(), total -> {
      synchronized (this) {
        counter.used = total;
        counter.derived = true;
        counter.staleAt = clock.get().plus(resync);
      }
    }).onComplete(done -> {
      synchronized (this) {
        counter.deriving = null;
      }
      deriving.handle(done);
    }));
    return deriving.future();
  }

  /**
   * A usage row was collected: its tokens count in every token counter of its user and its key, its admitted
   * requests in every hourly, daily and monthly request counter of them.
   */
  private void collected(Rollup row) {
    long tokens = row.promptTokens() + row.completionTokens();
    if (tokens > 0 || row.admitted() > 0) { // a refused request's row carries neither: no need for the lock
      count(row, tokens, row.admitted());
    }
  }

  /** Lists {@code counter} among those the usage rows of {@code subject} feed. */
  private void feed(Counter counter, String subject) {
    Map<Long, List<Counter>> fed = subject.startsWith("user:") ? fedUsers : subject.startsWith("key:") ? fedKeys
        : null;
    Long id;
    try {
      id = Long.valueOf(subject.substring(subject.indexOf(':') + 1));
    } catch (NumberFormatException e) {
      return; // no usage row has such a subject ("user:null" of a key without a user)
    }
    if (fed != null) {
      counter.feeders = fed.computeIfAbsent(id, i -> new ArrayList<>(4));
      counter.feeders.add(counter);
    }
  }

  private synchronized void count(Rollup row, long tokens, long admitted) {
    Instant minute = count(fedUsers.get(row.key().userId()), row, tokens, admitted, null);
    count(fedKeys.get(row.key().keyId()), row, tokens, admitted, minute);
  }

  /** Feeds a row to one subject's counters; answers the time read for minute counters, if one was. */
  private Instant count(List<Counter> fed, Rollup row, long tokens, long admitted, Instant minute) {
    if (fed == null) {
      return minute;
    }
    for (Counter counter : fed) {
      // before its derivation, the derivation replaces these
      if (counter.window != Window.MINUTE) {
        if (counter.span.contains(row.key().hour())) {
          counter.used += counter.tokens ? tokens : admitted;
        }
      } else if (counter.tokens) {
        if (minute == null) {
          minute = clock.get();
        }
        if (counter.span.contains(minute)) {
          counter.used += tokens;
        }
      }
    }
    return minute;
  }

  private void sweep(Instant now) {
    if (++sinceSweep < 1024) {
      return;
    }
    sinceSweep = 0;
    counters.values().removeIf(counter -> {
      boolean ended = counter.span.end().isBefore(now) && counter.reserved == 0 && counter.deriving == null;
      if (ended && counter.feeders != null) {
        counter.feeders.remove(counter);
      }
      return ended;
    });
    fedUsers.values().removeIf(List::isEmpty);
    fedKeys.values().removeIf(List::isEmpty);
  }
}
