package io.ollamagateway.limits;

import java.util.List;

/**
 * The limits one caller is held to on one request, as {@link LimitPlans} derives them from its key and user.
 *
 * @param subject the key's id for the concurrency cap ({@code key:12})
 * @param requestBudgets each takes one request
 * @param tokenBudgets each takes the request's tokens, on metered routes
 * @param maxConcurrent requests the key may have under way at once; 0 for no cap
 */
public record Plan(String subject, List<Budget> requestBudgets, List<Budget> tokenBudgets, long maxConcurrent) {

  /** No limit at all. */
  public static final Plan NONE = new Plan("", List.of(), List.of(), 0);

  public Plan {
    requestBudgets = List.copyOf(requestBudgets);
    tokenBudgets = List.copyOf(tokenBudgets);
  }

  public boolean isEmpty() {
    return requestBudgets.isEmpty() && tokenBudgets.isEmpty() && maxConcurrent <= 0;
  }
}
