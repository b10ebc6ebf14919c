package io.ollamagateway.api;

import io.vertx.core.Future;
import java.util.function.Function;

/**
 * Chaining the pipeline's futures without paying for it when they are already done: most stages answer at once
 * (a cached key, counters in memory), and {@link Future#compose} makes two objects and a listener per step even
 * then. Stateless.
 */
public final class Futures {

  private Futures() {
  }

  /**
   * {@code future.compose(next)}, with {@code next} called at once, on this thread, when {@code future} has
   * already succeeded. Like {@code compose}, a failure passes through and an exception {@code next} throws
   * fails the result.
   */
  public static <T, U> Future<U> then(Future<T> future, Function<? super T, Future<U>> next) {
    if (!future.succeeded()) {
      return future.compose(next);
    }
    try {
      return next.apply(future.result());
    } catch (Throwable e) { // as compose does
      return Future.failedFuture(e);
    }
  }
}
