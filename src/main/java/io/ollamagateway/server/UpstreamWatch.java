package io.ollamagateway.server;

import io.ollamagateway.alerts.Alerts;
import io.ollamagateway.metrics.GatewayMetrics;
import io.ollamagateway.upstream.ConcurrencyGate;
import io.ollamagateway.upstream.UpstreamRegistry;
import java.time.Duration;

/**
 * Points the metrics (queues, health, key states) and the alerts (down/up, key pool exhausted/recovered) at the
 * live upstreams: both read the registry's current snapshot each time they look. Stateless; start-up only.
 */
final class UpstreamWatch {

  private UpstreamWatch() {
  }

  static void watch(GatewayMetrics metrics, Alerts alerts, UpstreamRegistry registry) {
    metrics.watchUpstreams(() -> registry.snapshot().upstreams().stream().map(upstream -> {
      ConcurrencyGate.Stats queue = upstream.gate().stats();
      return new GatewayMetrics.UpstreamQueue(upstream.name(), queue.inFlight(), queue.queued(),
          queue.admittedAfterWait(), queue.totalWaitMillis(), queue.maxWaitMillis(), queue.rejected(),
          queue.timedOut());
    }).toList());
    metrics.watchHealth(() -> registry.snapshot().upstreams().stream().map(upstream -> {
      long now = System.currentTimeMillis();
      int usable = 0;
      int cooling = 0;
      int disabled = 0;
      for (var key : upstream.keys().states()) {
        if (key.disabledReason() != null) {
          disabled++;
        } else if (key.cooldownUntilMillis() > now) {
          cooling++;
        } else {
          usable++;
        }
      }
      return new GatewayMetrics.UpstreamHealth(upstream.name(), upstream.healthy(), usable, cooling, disabled);
    }).toList());
    alerts.watch(() -> registry.snapshot().upstreams().stream().map(upstream -> new Alerts.UpstreamState(
        upstream.name(), upstream.healthy(), upstream.lastError(), !upstream.keys().isEmpty(),
        upstream.keys().peek().isPresent())).toList(), Duration.ofSeconds(1));
  }
}
