package io.ollamagateway.limits;

import java.util.List;

/**
 * What one request asks of its budgets: one request from each request budget, and an amount of tokens from
 * each token budget that is at least {@code minTokens} (the prompt, and one token of answer) and at most
 * {@code maxTokens} (the prompt plus the answer's cap). The grant is as large as every token budget allows,
 * up to the maximum: the caller turns it into the answer's cap, so no generation can run past a quota.
 *
 * <p>{@code tracked} are the caller's windows that no limit of this request names (a quota removed, or not set
 * yet): they never refuse, but where a shared store keeps them (Redis), the request and its tokens are still
 * counted in them, so that a limit set again within the window sees the usage in between.
 */
public record Claim(List<Budget> requestBudgets, List<Budget> tokenBudgets, long minTokens, long maxTokens,
    List<Budget> tracked) {

  public Claim(List<Budget> requestBudgets, List<Budget> tokenBudgets, long minTokens, long maxTokens) {
    this(requestBudgets, tokenBudgets, minTokens, maxTokens, List.of());
  }

  public Claim {
    requestBudgets = List.copyOf(requestBudgets);
    tokenBudgets = List.copyOf(tokenBudgets);
    tracked = List.copyOf(tracked);
    if (minTokens < 0 || maxTokens < minTokens) {
      throw new IllegalArgumentException("need 0 <= minTokens <= maxTokens");
    }
  }

  public boolean isEmpty() {
    return requestBudgets.isEmpty() && tokenBudgets.isEmpty() && tracked.isEmpty();
  }
}
