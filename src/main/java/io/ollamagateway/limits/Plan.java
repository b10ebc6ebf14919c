package io.ollamagateway.limits;

import java.util.List;

/**
 * The limits that apply to one caller: request budgets (requests per hour of the key, requests per day and
 * month of the user), token budgets (tokens per minute of the key, tokens per day and month of the user), and
 * a cap on concurrent requests.
 *
 * @param subject the concurrency subject ({@code key:12}); {@code null} when there is no concurrency cap
 * @param maxConcurrent concurrent requests allowed, or 0 for no cap
 */
public record Plan(List<Budget> requestBudgets, List<Budget> tokenBudgets, String subject, int maxConcurrent) {

  public static final Plan NONE = new Plan(List.of(), List.of(), null, 0);

  public Plan {
    requestBudgets = List.copyOf(requestBudgets);
    tokenBudgets = List.copyOf(tokenBudgets);
  }

  public boolean isEmpty() {
    return requestBudgets.isEmpty() && tokenBudgets.isEmpty() && maxConcurrent <= 0;
  }
}
