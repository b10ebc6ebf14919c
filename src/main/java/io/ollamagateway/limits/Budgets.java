package io.ollamagateway.limits;

import io.vertx.core.Future;
import java.time.Instant;

/**
 * Counts use against budgets, atomically: a reservation either takes from every budget of its claim or from
 * none, so concurrent requests cannot overshoot a limit together. Reserved tokens are settled to the real
 * count when the answer is over. Implementations: {@link MemoryBudgets} for one instance,
 * {@link RedisBudgets} for several instances sharing Redis.
 *
 * <p>Thread-safe; never blocks the calling event loop.
 */
public interface Budgets {

  /** Reserves what a request may cost, or refuses naming the spent budget. */
  Future<Reservation> reserve(Claim claim, Instant now);

  /**
   * Replaces a granted reservation's tokens with what the answer really cost (0 when it never ran).
   */
  Future<Void> settle(Reservation reservation, long actualTokens);

  /**
   * The request of a granted reservation is over, after its usage row was collected: from now on its row
   * counts it, where counters are fed by usage rows; or it was turned away after all (another limit refused
   * it), and no counter counts it ({@link Reservation#requestKeys}).
   *
   * @param admitted whether the request went on; {@code false} when it was turned away after the reservation
   */
  Future<Void> requestOver(Reservation reservation, boolean admitted);

  /** What remains of each budget now, without taking anything (for self-service statistics). */
  Future<java.util.List<Reservation.State>> peek(java.util.List<Budget> budgets, Instant now);
}
