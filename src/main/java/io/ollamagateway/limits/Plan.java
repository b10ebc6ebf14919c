package io.ollamagateway.limits;

import java.util.List;

/**
 * The limits one caller is held to on one request, as {@link LimitPlans} derives them from its key and user.
 *
 * @param subject the key's id for the concurrency cap ({@code key:12})
 * @param requestBudgets each takes one request
 * @param tokenBudgets each takes the request's tokens, on metered routes
 * @param maxConcurrent requests the key may have under way at once; 0 for no cap
 * @param tracked the caller's hourly, daily and monthly windows that no limit names, counted where a shared
 *     store keeps them ({@link Claim#tracked}); never refusing
 * @param tenant whose prompt estimates the caller's requests calibrate ({@link Calibration}): its user
 *     ({@code user:7}), or its key when it has no user
 */
public record Plan(String subject, List<Budget> requestBudgets, List<Budget> tokenBudgets, long maxConcurrent,
    List<Budget> tracked, String tenant) {

  /** No limit at all. */
  public static final Plan NONE = new Plan("", List.of(), List.of(), 0);

  public Plan(String subject, List<Budget> requestBudgets, List<Budget> tokenBudgets, long maxConcurrent) {
    this(subject, requestBudgets, tokenBudgets, maxConcurrent, List.of(), subject);
  }

  public Plan {
    requestBudgets = List.copyOf(requestBudgets);
    tokenBudgets = List.copyOf(tokenBudgets);
    tracked = List.copyOf(tracked);
  }

  /** Whether no limit applies (tracked windows aside). */
  public boolean isEmpty() {
    return requestBudgets.isEmpty() && tokenBudgets.isEmpty() && maxConcurrent <= 0;
  }
}
