package io.ollamagateway.tracing;

import io.ollamagateway.proxy.Exchange;
import io.ollamagateway.usage.Usage;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenTelemetry SDK behind {@link Tracing}: configured by the SDK's autoconfiguration (OTLP exporter,
 * batch span processor, sampler, resource, W3C propagators), it opens one {@link OtelExchangeTrace} per
 * exchange, whose parent is the client's {@code traceparent} when it sent one.
 *
 * <p>Shared by every event loop; each exchange's trace stays on its own event loop.
 */
final class OtelTracer implements Tracing.Tracer {

  private static final Logger LOG = LoggerFactory.getLogger(OtelTracer.class);

  static final TextMapGetter<MultiMap> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(MultiMap carrier) {
      return carrier.names();
    }

    @Override
    public String get(MultiMap carrier, String key) {
      return carrier == null ? null : carrier.get(key);
    }
  };

  private final OpenTelemetrySdk sdk;
  private final io.opentelemetry.api.trace.Tracer tracer;
  private final TextMapPropagator propagator;

  private OtelTracer(OpenTelemetrySdk sdk, String version) {
    this.sdk = sdk;
    this.tracer = sdk.getTracer("io.ollamagateway", version);
    this.propagator = sdk.getPropagators().getTextMapPropagator();
  }

  static OtelTracer create(Vertx vertx, Map<String, String> properties, String version) {
    OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(() -> properties)
        .addResourceCustomizer((resource, config) -> resource.merge(io.opentelemetry.sdk.resources.Resource.create(
            io.opentelemetry.api.common.Attributes.of(AttributeKey.stringKey("service.version"), version))))
        .disableShutdownHook() // the gateway's own shutdown flushes the spans
        .build()
        .getOpenTelemetrySdk();
    OtelTracer tracer = new OtelTracer(sdk, version);
    LOG.info("tracing on: spans are exported by OTLP (service {})",
        properties.getOrDefault("otel.service.name", "ollama-gateway"));
    return tracer;
  }

  @Override
  public void onStart(Exchange exchange) {
    Context parent = propagator.extract(Context.root(), exchange.request().headers(), HEADERS);
    String name = exchange.request().method().name() + " " + exchange.path();
    exchange.trace(new OtelExchangeTrace(tracer, propagator, exchange, tracer.spanBuilder(name)
        .setParent(parent).setSpanKind(SpanKind.SERVER).startSpan()));
  }

  @Override
  public void record(Exchange exchange, Usage usage, Throwable error) {
    if (exchange.trace() instanceof OtelExchangeTrace trace) {
      trace.usage(usage);
    }
  }

  @Override
  public void onFinish(Exchange exchange, int status, String note) {
    if (exchange.trace() instanceof OtelExchangeTrace trace) {
      trace.finish(status, note);
    }
  }

  @Override
  public void close() {
    sdk.shutdown().join(10, TimeUnit.SECONDS);
  }

  /** The SDK, for tests. */
  OpenTelemetry openTelemetry() {
    return sdk;
  }
}
