package io.ollamagateway.tracing;

import io.ollamagateway.proxy.ExchangeListener;
import io.ollamagateway.usage.UsageRecorder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Distributed tracing of proxied requests with OpenTelemetry, on when {@value #ENDPOINT} is set and off
 * otherwise. The rest of the standard {@code OTEL_*} settings ({@code OTEL_SERVICE_NAME},
 * {@code OTEL_EXPORTER_OTLP_HEADERS}, {@code OTEL_TRACES_SAMPLER}...) are read by the OpenTelemetry SDK's
 * autoconfiguration, from the gateway's settings (environment, {@code .env}, config file) and from Java system
 * properties.
 *
 * <p>While tracing is off, no OpenTelemetry class is loaded and every exchange keeps
 * {@link io.ollamagateway.proxy.ExchangeTrace#NONE}: the hot path pays one no-op call per phase. This class
 * itself names no OpenTelemetry type, so that loading it loads none.
 *
 * <p>Stateless; {@link #open} is called once at start-up.
 */
public final class Tracing {

  /** The setting that turns tracing on: the collector's OTLP/HTTP base URL, e.g. {@code http://otel:4318}. */
  public static final String ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT";
  /** The OTLP endpoint of traces alone, which also turns tracing on. */
  public static final String TRACES_ENDPOINT = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";

  /**
   * A tracer: listens to every exchange (it sets each one's trace when it starts and ends its spans when it
   * finishes) and to usage (the token counts). Its methods run on the exchange's event loop and never block;
   * spans are exported in batches by the SDK's own thread.
   */
  public interface Tracer extends ExchangeListener, UsageRecorder {
    /** Exports the spans still buffered and stops; blocks for up to a few seconds: call from a worker. */
    void close();
  }

  private Tracing() {
  }

  /** Whether {@code settings} (or the process's environment) turn tracing on. */
  public static boolean enabled(Map<String, String> settings) {
    return present(settings.get(ENDPOINT)) || present(settings.get(TRACES_ENDPOINT))
        || present(System.getenv(ENDPOINT)) || present(System.getenv(TRACES_ENDPOINT))
        || present(System.getProperty("otel.exporter.otlp.endpoint"))
        || present(System.getProperty("otel.exporter.otlp.traces.endpoint"));
  }

  /**
   * A tracer configured from the {@code OTEL_*} entries of {@code settings} and the standard sources, or
   * {@code null} when tracing is off.
   *
   * @param settings the gateway's settings by their environment names; only {@code OTEL_*} entries are read
   * @param version the gateway's version, as {@code service.version}
   */
  public static Tracer open(Vertx vertx, Map<String, String> settings, String version) {
    if (!enabled(settings)) {
      return null;
    }
    Map<String, String> properties = new HashMap<>();
    settings.forEach((name, value) -> {
      if (name.startsWith("OTEL_") && value != null) {
        properties.put(name.toLowerCase(Locale.ROOT).replace('_', '.'), value);
      }
    });
    // Traces only unless asked: the gateway's metrics are on /metrics, its logs in its log.
    properties.putIfAbsent("otel.metrics.exporter", "none");
    properties.putIfAbsent("otel.logs.exporter", "none");
    properties.putIfAbsent("otel.service.name", "ollama-gateway");
    // OTLP over HTTP (port 4318), the specification's default; the Java SDK's own default is gRPC, whose
    // sender would bring a gRPC or OkHttp stack into the jar for the same spans
    properties.putIfAbsent("otel.exporter.otlp.protocol", "http/protobuf");
    return OtelTracer.create(vertx, properties, version);
  }

  /** Closes {@code tracer} on a worker; completes at once for {@code null}. */
  public static Future<Void> close(Vertx vertx, Tracer tracer) {
    if (tracer == null) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      tracer.close();
      return null;
    }, false);
  }

  private static boolean present(String value) {
    return value != null && !value.isBlank();
  }
}
