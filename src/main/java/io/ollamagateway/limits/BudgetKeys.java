package io.ollamagateway.limits;

import java.time.Instant;
import java.time.ZoneId;

/** Names the counter of a budget's current window; shared by the implementations so they agree. */
final class BudgetKeys {

  private BudgetKeys() {
  }

  static String key(String prefix, Budget budget, Window.Span span) {
    return key(prefix, budget.subject(), budget.metric(), budget.window(), span);
  }

  static String key(String prefix, String subject, String metric, Window window, Window.Span span) {
    return prefix + subject + ":" + metric + ":" + window.name().toLowerCase(java.util.Locale.ROOT) + ":"
        + span.label();
  }

  static Window.Span span(Budget budget, Instant now, ZoneId zone) {
    return budget.window().span(now, zone);
  }
}
