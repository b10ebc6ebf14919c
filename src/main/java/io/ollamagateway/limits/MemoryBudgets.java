package io.ollamagateway.limits;

import io.vertx.core.Future;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link Budgets} of one gateway instance, in memory. One lock guards all counters: a reservation touches a
 * handful of them for a few nanoseconds, far less than anything else a request does.
 *
 * <p>Thread-safe; never blocks for long.
 */
public final class MemoryBudgets implements Budgets {

  private static final class Counter {
    long used;
    long reserved;
    final Instant end;

    Counter(Instant end) {
      this.end = end;
    }
  }

  private final ZoneId zone;
  private final Map<String, Counter> counters = new HashMap<>();
  private int sinceSweep;

  public MemoryBudgets(ZoneId zone) {
    this.zone = zone;
  }

  @Override
  public synchronized Future<Reservation> reserve(Claim claim, Instant now) {
    sweep(now);
    List<Budget> budgets = new ArrayList<>(claim.requestBudgets());
    budgets.addAll(claim.tokenBudgets());
    int requests = claim.requestBudgets().size();
    List<Counter> found = new ArrayList<>(budgets.size());
    List<Window.Span> spans = new ArrayList<>(budgets.size());
    List<String> keys = new ArrayList<>();
    for (Budget budget : budgets) {
      Window.Span span = BudgetKeys.span(budget, now, zone);
      String key = BudgetKeys.key("", budget, span);
      spans.add(span);
      found.add(counters.computeIfAbsent(key, k -> new Counter(span.end())));
      if (found.size() > requests) {
        keys.add(key);
      }
    }
    long[] available = new long[budgets.size()];
    for (int i = 0; i < budgets.size(); i++) {
      available[i] = budgets.get(i).limit() - found.get(i).used - found.get(i).reserved;
    }
    int refusing = -1;
    for (int i = 0; i < requests && refusing < 0; i++) {
      if (available[i] < 1) {
        refusing = i;
      }
    }
    long grant = claim.maxTokens();
    for (int i = requests; i < budgets.size(); i++) {
      grant = Math.min(grant, available[i]);
    }
    for (int i = requests; i < budgets.size() && refusing < 0; i++) {
      if (available[i] < claim.minTokens()) {
        refusing = i;
      }
    }
    if (refusing >= 0) {
      return Future.succeededFuture(new Reservation(false, 0, states(budgets, spans, available, false, 0, requests),
          budgets.get(refusing), List.of()));
    }
    for (int i = 0; i < requests; i++) {
      found.get(i).used += 1;
    }
    for (int i = requests; i < budgets.size(); i++) {
      found.get(i).reserved += grant;
    }
    return Future.succeededFuture(new Reservation(true, budgets.size() > requests ? grant : claim.maxTokens(),
        states(budgets, spans, available, true, grant, requests), null, keys));
  }

  @Override
  public synchronized Future<Void> settle(Reservation reservation, long actualTokens) {
    if (reservation.granted()) {
      for (String key : reservation.windowKeys()) {
        Counter counter = counters.get(key);
        if (counter != null) {
          counter.reserved = Math.max(0, counter.reserved - reservation.tokens());
          counter.used += actualTokens;
        }
      }
    }
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<List<Reservation.State>> peek(List<Budget> budgets, Instant now) {
    List<Reservation.State> states = new ArrayList<>();
    for (Budget budget : budgets) {
      Window.Span span = BudgetKeys.span(budget, now, zone);
      Counter counter = counters.get(BudgetKeys.key("", budget, span));
      long spent = counter == null ? 0 : counter.used + counter.reserved;
      states.add(new Reservation.State(budget, Math.max(0, budget.limit() - spent), span.end()));
    }
    return Future.succeededFuture(states);
  }

  /** The states after a granted reservation took one request and {@code grant} tokens, or a refused one none. */
  static List<Reservation.State> states(List<Budget> budgets, List<Window.Span> spans, long[] available,
      boolean granted, long grant, int requests) {
    List<Reservation.State> states = new ArrayList<>(budgets.size());
    for (int i = 0; i < budgets.size(); i++) {
      long taken = !granted ? 0 : (i < requests ? 1 : grant);
      states.add(new Reservation.State(budgets.get(i), Math.max(0, available[i] - taken), spans.get(i).end()));
    }
    return states;
  }

  private void sweep(Instant now) {
    if (++sinceSweep < 1024) {
      return;
    }
    sinceSweep = 0;
    counters.values().removeIf(counter -> counter.end.isBefore(now) && counter.reserved == 0);
  }
}
