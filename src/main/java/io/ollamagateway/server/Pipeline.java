package io.ollamagateway.server;

import io.ollamagateway.proxy.ExchangeListener;
import io.ollamagateway.proxy.RequestStage;
import io.ollamagateway.proxy.ResponseTap;
import io.ollamagateway.usage.UsageRecorder;
import java.util.ArrayList;
import java.util.List;

/**
 * The plug-ins of the request pipeline, each registered once and sorted by the interfaces it implements: a
 * {@link RequestStage} runs before routing, a {@link ResponseTap.Factory} watches answers, a
 * {@link UsageRecorder} is told each metered answer's usage, an {@link ExchangeListener} each request's start and
 * end. One object may be several; it is called in each role in the order it was registered, which is the order
 * the composition root documents ({@link Wiring}): the tracer first (it opens each exchange's span), then the
 * access log, the policy, the model list filter, the metrics, the usage ledger, admission, the request log, and
 * metering last (its recorders are everything registered before it).
 *
 * <p>Used at start-up only, on one thread.
 */
final class Pipeline {

  private final List<RequestStage> stages = new ArrayList<>();
  private final List<ResponseTap.Factory> taps = new ArrayList<>();
  private final List<UsageRecorder> recorders = new ArrayList<>();
  private final List<ExchangeListener> listeners = new ArrayList<>();

  /**
   * Adds {@code plugin} in every role it implements.
   *
   * @throws IllegalArgumentException when it implements none (it would be silently left out)
   */
  Pipeline add(Object plugin) {
    boolean any = false;
    if (plugin instanceof RequestStage stage) {
      stages.add(stage);
      any = true;
    }
    if (plugin instanceof ResponseTap.Factory tap) {
      taps.add(tap);
      any = true;
    }
    if (plugin instanceof UsageRecorder recorder) {
      recorders.add(recorder);
      any = true;
    }
    if (plugin instanceof ExchangeListener listener) {
      listeners.add(listener);
      any = true;
    }
    if (!any) {
      throw new IllegalArgumentException(plugin.getClass().getName() + " is no pipeline plug-in");
    }
    return this;
  }

  /** Adds a request stage given as a lambda or method reference. */
  Pipeline stage(RequestStage stage) {
    return add(stage);
  }

  List<RequestStage> stages() {
    return List.copyOf(stages);
  }

  ResponseTap.Factory taps() {
    return ResponseTap.Factory.all(List.copyOf(taps));
  }

  List<UsageRecorder> recorders() {
    return List.copyOf(recorders);
  }

  List<ExchangeListener> listeners() {
    return List.copyOf(listeners);
  }
}
