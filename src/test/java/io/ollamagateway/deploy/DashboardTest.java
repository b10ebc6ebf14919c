package io.ollamagateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.Http;
import io.ollamagateway.testing.IdentityFixture;
import io.ollamagateway.testing.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard and the Prometheus alert rules under {@code deploy/} only query series that the
 * gateway's {@code /metrics} exposes: every PromQL expression in them is parsed for metric names, which are
 * compared with a scrape of a running gateway after traffic of every kind (answers, tokens of a user, a limit,
 * an upstream error).
 */
class DashboardTest {

  static final Path DASHBOARD = Path.of("deploy/grafana/ollama-gateway.json");
  static final Path RULES = Path.of("deploy/prometheus/alerts.yml");
  /** Series Prometheus makes itself for each scrape target, not found in any /metrics. */
  private static final Set<String> SYNTHETIC = Set.of("up");
  private static final Set<String> PROMQL_WORDS = Set.of("sum", "min", "max", "avg", "count", "rate", "irate",
      "increase", "histogram_quantile", "topk", "bottomk", "by", "without", "on", "ignoring", "group_left",
      "group_right", "and", "or", "unless", "bool", "offset", "clamp_min", "clamp_max", "abs", "delta", "deriv",
      "absent", "vector", "scalar", "time", "le", "sum_over_time", "avg_over_time", "max_over_time", "label_replace");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

  @Test
  void everyQueryNamesASeriesThatMetricsExposes() throws Exception {
    List<String> expressions = expressions();
    assertThat(expressions).hasSizeGreaterThan(10);
    Set<String> wanted = new TreeSet<>();
    for (String expression : expressions) {
      Set<String> names = metricNames(expression);
      assertThat(names).as("no metric in %s", expression).isNotEmpty();
      wanted.addAll(names);
    }

    Set<String> exposed;
    try (IdentityFixture fixture = new IdentityFixture(TestDatabase.sqlite(), Map.of("REQUEST_LOG", "true"))) {
      long user = fixture.user("dashboard", "user");
      String key = fixture.key(user, "k", new JsonObject()).getString("key");
      assertThat(fixture.http.send("PUT", "/admin/api/users/" + user + "/quota",
          new JsonObject().put("daily_requests", 3).encode(), Http.bearer(fixture.adminKey)).status())
          .isEqualTo(200);
      String chat = "{\"model\":\"llama3.2\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
      for (int i = 0; i < 4; i++) {
        fixture.http.post("/api/chat", chat, Http.bearer(key)); // the 4th is over the quota
      }
      GatewayFixture.await(fixture.emulator.stop());
      assertThat(fixture.http.post("/api/chat", chat, Http.bearer(fixture.adminKey)).status()).isEqualTo(502);
      Http.Answer scrape = fixture.http.get("/metrics", Http.bearer(fixture.adminKey));
      assertThat(scrape.status()).isEqualTo(200);
      exposed = series(scrape.body());
    }
    Set<String> missing = new TreeSet<>(wanted);
    missing.removeAll(exposed);
    missing.removeAll(SYNTHETIC);
    assertThat(missing).as("queried but not in /metrics (which has %s)", exposed).isEmpty();
  }

  @Test
  void theNameExtractionSeesThroughPromQl() {
    assertThat(metricNames("histogram_quantile(0.95, sum by (le, model) (rate(gateway_x_bucket{model=~\"a|b\","
        + "upstream!=\"sum\"}[$__rate_interval])))")).containsExactly("gateway_x_bucket");
    assertThat(metricNames("sum(rate(a_total[5m])) / clamp_min(sum(rate(b_total[5m])), 1) > 0.05"))
        .containsExactly("a_total", "b_total");
    assertThat(metricNames("gateway_upstream_up == 0 and on (upstream) gateway_upstream_keys{state=\"usable\"}"))
        .containsExactly("gateway_upstream_keys", "gateway_upstream_up");
  }

  static List<String> expressions() throws Exception {
    List<String> found = new ArrayList<>();
    JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
    collect(dashboard, "expr", found);
    JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(RULES));
    collect(rules, "expr", found);
    return found;
  }

  private static void collect(JsonNode node, String field, List<String> into) {
    if (node.isObject()) {
      node.fields().forEachRemaining(entry -> {
        if (entry.getKey().equals(field) && entry.getValue().isTextual()) {
          into.add(entry.getValue().asText());
        } else {
          collect(entry.getValue(), field, into);
        }
      });
    } else if (node.isArray()) {
      node.forEach(child -> collect(child, field, into));
    }
  }

  /** The metric names of a PromQL expression: identifiers outside strings, matchers, ranges and groupings. */
  static Set<String> metricNames(String expression) {
    String text = expression
        .replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"")
        .replaceAll("\\{[^}]*}", " ")
        .replaceAll("\\[[^]]*]", " ")
        .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
    Set<String> names = new TreeSet<>();
    Matcher m = IDENTIFIER.matcher(text);
    while (m.find()) {
      String word = m.group();
      int end = m.end();
      while (end < text.length() && text.charAt(end) == ' ') {
        end++;
      }
      boolean call = end < text.length() && text.charAt(end) == '(';
      boolean number = m.start() > 0 && Character.isDigit(text.charAt(m.start() - 1));
      if (!call && !number && !PROMQL_WORDS.contains(word) && !word.startsWith("$")) {
        names.add(word);
      }
    }
    return names;
  }

  /** The series names of a Prometheus text exposition. */
  static Set<String> series(String exposition) {
    Set<String> names = new TreeSet<>();
    for (String line : exposition.split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        Matcher m = IDENTIFIER.matcher(line);
        if (m.lookingAt()) {
          names.add(m.group());
        }
      }
    }
    return names;
  }
}
