package io.ollamagateway.limits;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Admits the requests of one budget one at a time, when its admission cannot trust its estimate: a request
 * waits until the one before it is settled, so that what the budget has left is exact when it reserves. A
 * concurrent burst then overshoots a limit by at most one request's estimation error instead of by the sum
 * of all of them. Ordinary traffic, far from its limits with a calibrated estimate, never comes here.
 *
 * <p>Waiters are served in order, each on the event loop it asked from; at most {@code maxWaiting} wait per
 * budget, so that no client holds memory without bound. Idle gates are forgotten. Thread-safe.
 */
final class BudgetGate {

  /** Gives the turn to the next waiter; idempotent. */
  interface Turn {
    void release();
  }

  private static final class Queue {
    boolean taken;
    final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  }

  private final int maxWaiting;
  private final Map<String, Queue> queues = new HashMap<>();

  BudgetGate(int maxWaiting) {
    this.maxWaiting = maxWaiting;
  }

  /** The turn for {@code budget} once it is this caller's, or {@code null} (succeeded) when too many wait. */
  Future<Turn> acquire(String budget) {
    Context context = Vertx.currentContext();
    Promise<Turn> promise = Promise.promise();
    Turn turn = new Turn() {
      private boolean released;

      @Override
      public void release() {
        synchronized (this) {
          if (released) {
            return;
          }
          released = true;
        }
        next(budget);
      }
    };
    synchronized (this) {
      Queue queue = queues.computeIfAbsent(budget, b -> new Queue());
      if (!queue.taken) {
        queue.taken = true;
        return Future.succeededFuture(turn);
      }
      if (queue.waiting.size() >= maxWaiting) {
        return Future.succeededFuture(null);
      }
      queue.waiting.add(() -> {
        if (context == null) {
          promise.complete(turn);
        } else {
          context.runOnContext(v -> promise.complete(turn));
        }
      });
    }
    return promise.future();
  }

  private void next(String budget) {
    Runnable wake;
    synchronized (this) {
      Queue queue = queues.get(budget);
      wake = queue == null ? null : queue.waiting.poll();
      if (wake == null) {
        queues.remove(budget);
        return;
      }
    }
    wake.run(); // the queue stays taken: the turn passes straight to the waiter
  }
}
