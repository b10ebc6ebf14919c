package io.ollamagateway.limits;

import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Names the counter of a budget's current window; shared by the implementations so they agree. Remembers the
 * current span of each kind of window and each budget's key in it: they change once a minute at most, and
 * building them for every budget of every request was a fifth of what a request allocated (issue 27).
 *
 * <p>Thread-safe: what it remembers is immutable, so a thread that reads an older entry only builds it again.
 */
final class BudgetKeys {

  /** Budgets remembered at most; past that the memory starts again (a key is then built once more). */
  private static final int MAX_NAMED = 10_000;

  /** A budget's key in one window. */
  private record Named(Window.Span span, String key) {
  }

  private final String prefix;
  private final ZoneId zone;
  private final Window.Span[] current = new Window.Span[Window.values().length];
  private final Map<Budget, Named> named = new ConcurrentHashMap<>();

  /** @param prefix starts every key */
  BudgetKeys(String prefix, ZoneId zone) {
    this.prefix = prefix;
    this.zone = zone;
  }

  /** The window of {@code budget} that contains {@code now}. */
  Window.Span span(Budget budget, Instant now) {
    return span(budget.window(), now);
  }

  /** The window of this kind that contains {@code now}. */
  Window.Span span(Window window, Instant now) {
    Window.Span span = current[window.ordinal()];
    if (span == null || !span.contains(now)) {
      span = window.span(now, zone);
      current[window.ordinal()] = span; // a Span's fields are final: safe to publish without a lock
    }
    return span;
  }

  /** The key of the counter of {@code budget}'s window {@code span}. */
  String key(Budget budget, Window.Span span) {
    Named known = named.get(budget);
    if (known != null && known.span().equals(span)) {
      return known.key();
    }
    if (named.size() >= MAX_NAMED) {
      named.clear();
    }
    String key = key(budget.subject(), budget.metric(), budget.window(), span);
    named.put(budget, new Named(span, key));
    return key;
  }

  /** The key of the counter of {@code budget}'s window that contains {@code now}. */
  String key(Budget budget, Instant now) {
    return key(budget, span(budget, now));
  }

  String key(String subject, String metric, Window window, Window.Span span) {
    return prefix + subject + ":" + metric + ":" + window.id() + ":" + span.label();
  }
}
