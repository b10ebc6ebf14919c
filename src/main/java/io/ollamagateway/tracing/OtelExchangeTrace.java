package io.ollamagateway.tracing;

import io.netty.handler.codec.http.HttpHeaders;
import io.ollamagateway.auth.Principal;
import io.ollamagateway.proxy.Exchange;
import io.ollamagateway.proxy.ExchangeTrace;
import io.ollamagateway.upstream.Target;
import io.ollamagateway.usage.Usage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;

/**
 * The spans of one exchange: the request's {@code SERVER} span and one child per {@link ExchangeTrace.Phase}.
 * Attributes follow the OpenTelemetry HTTP and GenAI semantic conventions ({@code gen_ai.operation.name},
 * {@code gen_ai.request.model}, {@code gen_ai.usage.input_tokens}...), plus the gateway's own
 * ({@code ollama_gateway.*}: request id, caller, upstream, key index). Never a prompt, an answer or a secret.
 *
 * <p>Confined to the exchange's event loop.
 */
final class OtelExchangeTrace implements ExchangeTrace {

  private static final Phase[] PHASES = Phase.values();

  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final Exchange exchange;
  private final Span root;
  private final Context context;
  private final Span[] open = new Span[PHASES.length];
  private Usage usage;

  OtelExchangeTrace(Tracer tracer, TextMapPropagator propagator, Exchange exchange, Span root) {
    this.tracer = tracer;
    this.propagator = propagator;
    this.exchange = exchange;
    this.root = root;
    this.context = Context.root().with(root);
    String operation = operation(exchange.path());
    root.setAttribute("http.request.method", exchange.request().method().name());
    root.setAttribute("url.path", exchange.path());
    root.setAttribute("ollama_gateway.request_id", exchange.requestId());
    if (operation != null) {
      root.setAttribute("gen_ai.operation.name", operation);
      root.setAttribute("gen_ai.system", "ollama");
      root.setAttribute("gen_ai.provider.name", "ollama");
    }
  }

  @Override
  public void begin(Phase phase) {
    int i = phase.ordinal();
    if (open[i] != null) {
      open[i].end();
    }
    Span span = tracer.spanBuilder(phase.spanName()).setParent(context).startSpan();
    Target target = exchange.target();
    if (target != null && (phase == Phase.CONNECT || phase == Phase.FIRST_BYTE)) {
      span.setAttribute("server.address", target.upstream().host());
      span.setAttribute("server.port", target.upstream().port());
      span.setAttribute("ollama_gateway.upstream", target.upstream().name());
    }
    open[i] = span;
  }

  @Override
  public void end(Phase phase, Throwable error) {
    int i = phase.ordinal();
    Span span = open[i];
    if (span == null) {
      return;
    }
    open[i] = null;
    if (error != null) {
      span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
    }
    span.end();
  }

  @Override
  public void inject(HttpHeaders upstreamHeaders) {
    propagator.inject(context, upstreamHeaders, (headers, name, value) -> headers.set(name, value));
  }

  void usage(Usage usage) {
    this.usage = usage;
  }

  /** Ends the phases still open and the request's span, with what is known of the request now. */
  void finish(int status, String note) {
    boolean failed = status >= 500 || status == 499;
    for (int i = 0; i < open.length; i++) {
      if (open[i] != null) {
        // a phase other than the stream still open at the end is where the request was refused or failed
        if (failed || (PHASES[i] != Phase.STREAM && status >= 400)) {
          open[i].setStatus(StatusCode.ERROR, note == null ? "HTTP " + status : note);
        }
        open[i].end();
        open[i] = null;
      }
    }
    root.setAttribute("http.response.status_code", status);
    String model = exchange.model();
    if (model != null) {
      root.setAttribute("gen_ai.request.model", model);
    }
    if (usage != null) {
      root.setAttribute("gen_ai.usage.input_tokens", usage.promptTokens());
      root.setAttribute("gen_ai.usage.output_tokens", usage.completionTokens());
      root.setAttribute("ollama_gateway.usage.estimated", usage.estimated());
    }
    Principal principal = exchange.principal();
    if (principal != null) {
      root.setAttribute("ollama_gateway.client", principal.clientId());
    }
    Target target = exchange.target();
    if (target != null) {
      root.setAttribute("ollama_gateway.upstream", target.upstream().name());
      if (target.keyIndex() >= 0) {
        root.setAttribute("ollama_gateway.upstream_key_index", target.keyIndex());
      }
    }
    if (exchange.firstByteNanos() > 0) {
      root.setAttribute("ollama_gateway.time_to_first_byte_ms", exchange.firstByteNanos() / 1_000_000);
    }
    if (status >= 500 || status == 499) {
      root.setStatus(StatusCode.ERROR, note == null ? "HTTP " + status : note);
      root.setAttribute("error.type", status == 499 ? "client_closed" : Integer.toString(status));
    }
    root.end();
  }

  /** The GenAI operation of a canonical path, or {@code null} for calls that are not one. */
  static String operation(String path) {
    return switch (path) {
      case "/api/chat", "/v1/chat/completions", "/v1/messages", "/v1/responses" -> "chat";
      case "/api/generate", "/v1/completions" -> "text_completion";
      case "/api/embed", "/api/embeddings", "/v1/embeddings" -> "embeddings";
      default -> null;
    };
  }
}
