package io.ollamagateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GatewayMetricsTest {

  @Test
  void recordsRequestsLatencyAndTokensInPrometheusFormat() {
    GatewayMetrics metrics = new GatewayMetrics();
    metrics.started();
    metrics.finished("native", "chat", "llama3.2", "default", 200, 120_000_000L, 30_000_000L);
    metrics.tokens("llama3.2", "default", 26, 282, false);

    String text = metrics.scrape();
    assertThat(text).contains("gateway_requests_total{endpoint=\"chat\",family=\"native\",model=\"llama3.2\","
        + "status=\"2xx\",upstream=\"default\"} 1.0");
    assertThat(text).contains("gateway_request_duration_seconds_bucket{");
    assertThat(text).contains("gateway_time_to_first_token_seconds_count{");
    assertThat(text).contains("gateway_tokens_total{estimated=\"false\",model=\"llama3.2\",type=\"completion\","
        + "upstream=\"default\"} 282.0");
    assertThat(text).contains("gateway_requests_in_flight 0.0");
  }

  @Test
  void modelLabelsAreBoundedSoClientsCannotGrowTheLabelSpace() {
    GatewayMetrics metrics = new GatewayMetrics();
    for (int i = 0; i < GatewayMetrics.MAX_MODELS + 50; i++) {
      metrics.started();
      metrics.finished("native", "chat", "model-" + i, "default", 404, 1_000_000L, 0);
    }
    String text = metrics.scrape();
    assertThat(text).contains("model=\"other\"");
    assertThat(text).doesNotContain("model=\"model-" + (GatewayMetrics.MAX_MODELS + 10) + "\"");
    assertThat(text).contains("model=\"model-0\"");
  }

  @Test
  void upstreamQueuesAreReadAtEachScrapeSoReloadedUpstreamsAppearAndGo() {
    GatewayMetrics metrics = new GatewayMetrics();
    java.util.concurrent.atomic.AtomicReference<java.util.List<GatewayMetrics.UpstreamQueue>> now =
        new java.util.concurrent.atomic.AtomicReference<>(java.util.List.of(
            new GatewayMetrics.UpstreamQueue("gpu", 1, 2, 5, 1500, 700, 1, 0)));
    metrics.watchUpstreams(now::get);
    assertThat(metrics.scrape()).contains("gateway_upstream_queue_waiting{upstream=\"gpu\"} 2.0",
        "gateway_upstream_queue_wait_seconds{upstream=\"gpu\"} 1.5",
        "gateway_upstream_queue_wait_max_seconds{upstream=\"gpu\"} 0.7",
        "gateway_upstream_in_flight{upstream=\"gpu\"} 1.0");

    now.set(java.util.List.of(new GatewayMetrics.UpstreamQueue("cloud", 0, 0, 0, 0, 0, 0, 0)));
    assertThat(metrics.scrape()).contains("gateway_upstream_queue_waiting{upstream=\"cloud\"} 0.0")
        .doesNotContain("upstream=\"gpu\"");
  }
}
