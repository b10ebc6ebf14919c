package io.ollamagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.ollamagateway.testing.GatewayFixture;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** One access-log line per request, with what an operator needs and no secret. */
class AccessLogTest {

  private static final String WRONG = "wrong-secret-91b2";

  private static GatewayFixture fx;
  private static final ListAppender<ILoggingEvent> lines = new ListAppender<>();

  @BeforeAll
  static void start() {
    fx = GatewayFixture.start();
    lines.start();
    ((Logger) LoggerFactory.getLogger("access")).addAppender(lines);
  }

  @AfterAll
  static void stop() {
    ((Logger) LoggerFactory.getLogger("access")).detachAppender(lines);
    fx.close();
  }

  @Test
  void eachRequestIsOneLineWithMethodPathStatusModelAndClientButNoSecret() {
    lines.list.clear();
    fx.post("/api/chat", "{\"model\":\"llama3.2\",\"stream\":false,\"messages\":[]}");
    GatewayFixture.send(fx.anonymous("/api/tags").header("x-api-key", GatewayFixture.TOKEN));
    GatewayFixture.send(fx.anonymous("/v1/chat/completions").header("Authorization", "Bearer " + WRONG)
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"qwen2.5:0.5b\",\"messages\":[]}")));
    fx.post("/api/generate", "{\"model\":\"qwen2.5:0.5b\",\"prompt\":\"x\"}");

    assertThat(GatewayFixture.eventually(Duration.ofSeconds(5), () -> lines.list.size() >= 4)).isTrue();
    GatewayFixture.sleep(100);
    List<String> messages = List.copyOf(lines.list).stream().map(ILoggingEvent::getFormattedMessage).toList();
    assertThat(messages).hasSize(4);
    assertThat(messages.get(0)).startsWith("POST /api/chat 200 ").contains("model=llama3.2")
        .contains("client=shared-token").contains("upstream=default");
    assertThat(messages.get(1)).startsWith("GET /api/tags 200 ").contains("client=shared-token")
        .doesNotContain("model=");
    assertThat(messages.get(2)).startsWith("POST /v1/chat/completions 401 ").contains("client=-");
    assertThat(messages.get(3)).startsWith("POST /api/generate 200 ").contains("model=qwen2.5:0.5b");
    assertThat(messages).allSatisfy(line -> assertThat(line)
        .doesNotContain(GatewayFixture.TOKEN).doesNotContain(WRONG));
  }
}
