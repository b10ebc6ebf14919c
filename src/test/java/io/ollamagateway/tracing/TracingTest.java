package io.ollamagateway.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.testing.GatewayFixture;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tracing end to end: an OTLP/HTTP receiver inside the test decodes what the gateway exports, and the test
 * checks the spans of a request, their parent links, the client's trace context and the one sent upstream.
 */
class TracingTest {

  private static final String PROMPT = "a secret prompt about zebras";
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CLIENT_SPAN = "00f067aa0ba902b7";

  private static Vertx vertx;
  private static HttpServer receiver;
  private static GatewayFixture fx;
  private static final List<Span> spans = new CopyOnWriteArrayList<>();
  private static final List<String> contentTypes = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    receiver = GatewayFixture.await(vertx.createHttpServer().requestHandler(request -> {
      contentTypes.add(request.getHeader("Content-Type"));
      request.body().onSuccess(body -> {
        try {
          ExportTraceServiceRequest export = ExportTraceServiceRequest.parseFrom(body.getBytes());
          export.getResourceSpansList().forEach(resource -> resource.getScopeSpansList()
              .forEach(scope -> spans.addAll(scope.getSpansList())));
          request.response().putHeader("Content-Type", "application/x-protobuf").end();
        } catch (Exception e) {
          request.response().setStatusCode(400).end();
        }
      });
    }).listen(0, "127.0.0.1"));
    fx = GatewayFixture.start("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + receiver.actualPort(),
        "OTEL_BSP_SCHEDULE_DELAY", "50", "OTEL_SERVICE_NAME", "gateway-under-test");
  }

  @AfterAll
  static void stop() {
    fx.close();
    GatewayFixture.await(vertx.close());
  }

  @BeforeEach
  void clear() {
    spans.clear();
  }

  @Test
  void aChatIsOneServerSpanWithAChildPerPhaseUnderTheClientsTrace() {
    HttpResponse<String> answer = GatewayFixture.send(fx.request("/api/chat")
        .header("traceparent", "00-" + TRACE_ID + "-" + CLIENT_SPAN + "-01")
        .header("X-Request-Id", "traced-1")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3.2\",\"stream\":true,\"messages\":[{\"role\":"
            + "\"user\",\"content\":\"" + PROMPT + "\"}]}")));
    assertThat(answer.statusCode()).isEqualTo(200);

    assertThat(GatewayFixture.eventually(Duration.ofSeconds(10), () -> spans.stream()
        .anyMatch(s -> s.getName().equals("POST /api/chat")))).isTrue();
    GatewayFixture.sleep(200); // the children were exported in the same or an earlier batch
    Span root = spans.stream().filter(s -> s.getName().equals("POST /api/chat")).findFirst().orElseThrow();
    assertThat(hex(root.getTraceId().toByteArray())).isEqualTo(TRACE_ID);
    assertThat(hex(root.getParentSpanId().toByteArray())).isEqualTo(CLIENT_SPAN);
    assertThat(root.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    Map<String, AnyValue> attributes = attributes(root);
    assertThat(attributes.get("gen_ai.operation.name").getStringValue()).isEqualTo("chat");
    assertThat(attributes.get("gen_ai.system").getStringValue()).isEqualTo("ollama");
    assertThat(attributes.get("gen_ai.request.model").getStringValue()).isEqualTo("llama3.2");
    assertThat(attributes.get("gen_ai.usage.input_tokens").getIntValue()).isPositive();
    assertThat(attributes.get("gen_ai.usage.output_tokens").getIntValue()).isPositive();
    assertThat(attributes.get("http.response.status_code").getIntValue()).isEqualTo(200);
    assertThat(attributes.get("ollama_gateway.request_id").getStringValue()).isEqualTo("traced-1");

    List<Span> children = spans.stream().filter(s -> s.getParentSpanId().equals(root.getSpanId())).toList();
    assertThat(children).extracting(Span::getName).containsExactlyInAnyOrder("authenticate", "admit", "route",
        "upstream.connect", "upstream.time_to_first_byte", "upstream.stream");
    assertThat(children).allSatisfy(child -> {
      assertThat(child.getTraceId()).isEqualTo(root.getTraceId());
      assertThat(child.getStartTimeUnixNano()).isGreaterThanOrEqualTo(root.getStartTimeUnixNano());
      assertThat(child.getEndTimeUnixNano()).isLessThanOrEqualTo(root.getEndTimeUnixNano());
    });
    Span connect = children.stream().filter(s -> s.getName().equals("upstream.connect")).findFirst().orElseThrow();
    assertThat(attributes(connect).get("server.address").getStringValue()).isEqualTo("127.0.0.1");
    // never the prompt, anywhere
    assertThat(spans.toString()).doesNotContain("zebras");

    // the upstream got the trace, as a child of the gateway's span, and not the client's own span id
    String upstream = fx.emulator().stats().lastRequest().headers().get("traceparent");
    assertThat(upstream).isEqualTo("00-" + TRACE_ID + "-" + hex(root.getSpanId().toByteArray()) + "-01");
    assertThat(contentTypes).contains("application/x-protobuf");
  }

  @Test
  void aRequestWithoutTraceparentStartsANewTraceAndARefusedOneIsAnError() {
    HttpResponse<String> refused = GatewayFixture.send(fx.anonymous("/api/chat")
        .header("Authorization", "Bearer wrong")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3.2\",\"messages\":[]}")));
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(GatewayFixture.eventually(Duration.ofSeconds(10), () -> spans.stream()
        .anyMatch(s -> s.getName().equals("POST /api/chat")))).isTrue();
    GatewayFixture.sleep(200);
    Span root = spans.stream().filter(s -> s.getName().equals("POST /api/chat")).findFirst().orElseThrow();
    assertThat(root.getParentSpanId().isEmpty()).isTrue();
    assertThat(hex(root.getTraceId().toByteArray())).isNotEqualTo(TRACE_ID).isNotEqualTo("0".repeat(32));
    assertThat(attributes(root).get("http.response.status_code").getIntValue()).isEqualTo(401);
    List<Span> children = spans.stream().filter(s -> s.getParentSpanId().equals(root.getSpanId())).toList();
    assertThat(children).extracting(Span::getName).containsExactly("authenticate");
    assertThat(children.get(0).getStatus().getCode()).isEqualTo(
        io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
  }

  @Test
  void withoutAnEndpointTracingIsOffAndEveryExchangeKeepsTheNoOpTrace() {
    assertThat(System.getenv(Tracing.ENDPOINT)).as("the test's own environment").isNull();
    assertThat(Tracing.enabled(Map.of("OTEL_SERVICE_NAME", "x", Tracing.ENDPOINT, " "))).isFalse();
    assertThat(Tracing.open(vertx, Map.of("OTEL_SERVICE_NAME", "x"), "test")).isNull();
    assertThat(Tracing.enabled(Map.of(Tracing.TRACES_ENDPOINT, "http://127.0.0.1:1/v1/traces"))).isTrue();
  }

  private static Map<String, AnyValue> attributes(Span span) {
    return span.getAttributesList().stream().collect(Collectors.toMap(KeyValue::getKey, KeyValue::getValue,
        (a, b) -> b));
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

}
