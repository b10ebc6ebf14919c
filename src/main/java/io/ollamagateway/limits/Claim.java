package io.ollamagateway.limits;

import java.util.List;

/**
 * What one request asks of its budgets: one request from each request budget, and an amount of tokens from
 * each token budget that is at least {@code minTokens} (the prompt, and one token of answer) and at most
 * {@code maxTokens} (the prompt plus the answer's cap). The grant is as large as every token budget allows,
 * up to the maximum: the caller turns it into the answer's cap, so no generation can run past a quota.
 */
public record Claim(List<Budget> requestBudgets, List<Budget> tokenBudgets, long minTokens, long maxTokens) {

  public Claim {
    requestBudgets = List.copyOf(requestBudgets);
    tokenBudgets = List.copyOf(tokenBudgets);
    if (minTokens < 0 || maxTokens < minTokens) {
      throw new IllegalArgumentException("need 0 <= minTokens <= maxTokens");
    }
  }

  public boolean isEmpty() {
    return requestBudgets.isEmpty() && tokenBudgets.isEmpty();
  }
}
