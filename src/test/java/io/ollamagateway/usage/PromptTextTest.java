package io.ollamagateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every token-bearing field of a request adds to its prompt estimate; parameters do not. */
class PromptTextTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static TokenEstimator estimator;

  @BeforeAll
  static void load() {
    estimator = new TokenEstimator();
  }

  private static long tokens(String body) throws Exception {
    JsonNode root = JSON.readTree(body);
    return PromptText.tokens(root, estimator);
  }

  private static final String BASE = "{\"model\":\"m\",\"stream\":false,\"options\":{\"num_predict\":5},"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]";

  @Test
  void aChatCountsItsTextAndTheTemplatesFraming() throws Exception {
    assertThat(tokens(BASE + "}")).isEqualTo(2 + PromptText.PRIMING_TOKENS + PromptText.MESSAGE_TOKENS);
  }

  @Test
  void eachTokenBearingFieldAddsToTheEstimate() throws Exception {
    long base = tokens(BASE + "}");
    String tools = "[{\"type\":\"function\",\"function\":{\"name\":\"weather\",\"parameters\":{\"type\":\"object\"}}}]";
    assertThat(tokens(BASE + ",\"tools\":" + tools + "}")).isGreaterThanOrEqualTo(base + tools.length() / 3);
    assertThat(tokens(BASE + ",\"functions\":" + tools + "}")).isGreaterThan(base + 10);
    assertThat(tokens(BASE + ",\"format\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}}"))
        .isGreaterThan(base + 10);
    assertThat(tokens(BASE + ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\"}}}"))
        .isGreaterThan(base + 10);
    assertThat(tokens("{\"model\":\"m\",\"prompt\":\"hi\",\"context\":[1,2,3,4,5,6,7,8,9,10]}"))
        .isGreaterThanOrEqualTo(10 + 1);
    assertThat(tokens("{\"model\":\"m\",\"prompt\":\"hi\",\"images\":[\"aGk=\",\"aGk=\"]}"))
        .isGreaterThanOrEqualTo(2L * PromptText.IMAGE_TOKENS);
    assertThat(tokens("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
        + "\"image_url\":{\"url\":\"data:image/png;base64,aGk=\"}}]}]}")).isGreaterThan(PromptText.IMAGE_TOKENS);
    assertThat(tokens("{\"model\":\"m\",\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"function\":"
        + "{\"name\":\"weather\",\"arguments\":{\"city\":\"Paris, the capital of France\"}}}]},"
        + "{\"role\":\"tool\",\"content\":\"sunny and warm all day long\"}]}")).isGreaterThan(20);
    assertThat(tokens("{\"model\":\"m\",\"prompt\":\"hi\",\"suffix\":\"one two three four\","
        + "\"system\":\"five six seven\",\"template\":\"{{ .System }} {{ .Prompt }} eight\"}")).isGreaterThan(12);
    assertThat(tokens("{\"model\":\"m\",\"input\":[\"one two\",\"three four\"]}")).isEqualTo(4);
    assertThat(tokens("{\"model\":\"m\",\"input\":[[1,2,3],[4,5]]}")).as("token ids").isEqualTo(5);
  }

  @Test
  void aFieldItDoesNotKnowIsReservedByItsSizeAndParametersCostNothing() throws Exception {
    long base = tokens(BASE + "}");
    assertThat(tokens(BASE + ",\"temperature\":0.2,\"top_p\":0.9,\"seed\":4,\"keep_alive\":\"5m\"}"))
        .isEqualTo(base);
    assertThat(tokens(BASE + ",\"documents\":[\"" + "word ".repeat(300) + "\"]}")).isGreaterThan(base + 400);
  }
}
