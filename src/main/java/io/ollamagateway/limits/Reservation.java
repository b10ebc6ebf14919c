package io.ollamagateway.limits;

import java.time.Instant;
import java.util.List;

/**
 * The answer to a {@link Claim}: granted with an amount of tokens, or refused naming the budget that is spent.
 * It remembers the concrete windows it reserved in, so that settling hits the same windows even when the
 * request outlives its window.
 *
 * @param granted whether the request may go on
 * @param tokens the tokens reserved from each token budget (0 when there are none or when refused)
 * @param states every budget's state as the reservation saw it (limit, remaining after it, reset time)
 * @param exceeded the budget that refused, or {@code null}
 * @param windowKeys the window keys of the token budgets, for settling
 * @param id names the reservation where it is stored with an expiry (Redis); {@code ""} elsewhere
 * @param requestKeys the request windows this request counts in, for {@link Budgets#requestOver}: in memory
 *     those that hold it as reserved until its usage row is collected, in Redis those it was added to
 * @param trackedKeys token windows outside the claim's limits that the answer's tokens are added to when they
 *     exist ({@link Claim#tracked}), for settling
 */
public record Reservation(boolean granted, long tokens, List<State> states, Budget exceeded,
    List<String> windowKeys, String id, List<String> requestKeys, List<String> trackedKeys) {

  /** A budget's state: its limit, what remains of it, and when its window resets. */
  public record State(Budget budget, long remaining, Instant resetAt) {
  }

  public Reservation {
    states = List.copyOf(states);
    windowKeys = List.copyOf(windowKeys);
    requestKeys = List.copyOf(requestKeys);
    trackedKeys = List.copyOf(trackedKeys);
  }

  /** A reservation that counts its request at once and tracks no other window. */
  public Reservation(boolean granted, long tokens, List<State> states, Budget exceeded, List<String> windowKeys,
      String id) {
    this(granted, tokens, states, exceeded, windowKeys, id, List.of(), List.of());
  }

  /** A reservation that needs no name: held in this process only. */
  public Reservation(boolean granted, long tokens, List<State> states, Budget exceeded, List<String> windowKeys) {
    this(granted, tokens, states, exceeded, windowKeys, "");
  }

  /** A reservation for a request that no budget limits. */
  public static Reservation unlimited(long tokens) {
    return new Reservation(true, tokens, List.of(), null, List.of());
  }

  /** The state of the budget with the least left, relative to its limit, for rate-limit headers. */
  public State tightest() {
    State tightest = null;
    for (State state : states) {
      if (state.budget() == exceeded) {
        return state;
      }
      if (tightest == null || state.remaining() * tightest.budget().limit()
          < tightest.remaining() * state.budget().limit()) {
        tightest = state;
      }
    }
    return tightest;
  }
}
