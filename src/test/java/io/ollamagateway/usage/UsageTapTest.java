package io.ollamagateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UsageTapTest {

  private static final TokenEstimator ESTIMATOR = new TokenEstimator();

  private final List<Usage> settled = new ArrayList<>();

  private UsageTap tap(UsageTap.Format format, boolean hide, String prompt) {
    return new UsageTap(format, hide, ESTIMATOR, () -> prompt, (usage, error) -> settled.add(usage));
  }

  @Test
  void nativeStreamCountsComeFromTheDoneLineEvenWhenSplitAcrossChunks() {
    UsageTap tap = tap(UsageTap.Format.NDJSON, false, "ignored");
    String stream = "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"The\"},\"done\":false}\n"
        + "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,"
        + "\"done_reason\":\"stop\",\"total_duration\":4883583458,\"prompt_eval_count\":26,"
        + "\"prompt_eval_duration\":342546000,\"eval_count\":282,\"eval_duration\":4535599000}\n";
    for (int i = 0; i < stream.length(); i += 7) {
      Buffer chunk = Buffer.buffer(stream.substring(i, Math.min(stream.length(), i + 7)));
      assertThat(tap.onChunk(chunk)).isSameAs(chunk);
    }
    tap.onEnd(null);
    assertThat(settled).containsExactly(new Usage(26, 282, false));
  }

  @Test
  void aMissingMetricMeansZeroOnceTheDoneLineArrived() {
    UsageTap tap = tap(UsageTap.Format.NDJSON, false, "a long prompt that would be estimated");
    tap.onChunk(Buffer.buffer("{\"response\":\"\",\"done\":true,\"eval_count\":3}\n"));
    tap.onEnd(null);
    assertThat(settled).containsExactly(new Usage(0, 3, false));
  }

  @Test
  void anAbortedNativeStreamIsEstimatedFromTheTextThatPassed() {
    UsageTap tap = tap(UsageTap.Format.NDJSON, false, "Why is the sky blue?");
    tap.onChunk(Buffer.buffer("{\"response\":\"The sky\",\"done\":false}\n{\"response\":\" is blue\",\"done\":false}\n"));
    tap.onEnd(new IllegalStateException("client closed"));
    Usage usage = settled.get(0);
    assertThat(usage.estimated()).isTrue();
    assertThat(usage.completionTokens()).isEqualTo(ESTIMATOR.count("The sky is blue")).isPositive();
    assertThat(usage.promptTokens()).isEqualTo(ESTIMATOR.count("Why is the sky blue?"));
  }

  @Test
  void openAiJsonUsageIsRead() {
    UsageTap tap = tap(UsageTap.Format.JSON, false, "");
    tap.onChunk(Buffer.buffer("{\"id\":\"c\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
        + "\"content\":\"hi\"}}],\"usage\":{\"prompt_tokens\":12,"));
    tap.onChunk(Buffer.buffer("\"completion_tokens\":5,\"total_tokens\":17}}"));
    tap.onEnd(null);
    assertThat(settled).containsExactly(new Usage(12, 5, false));
  }

  @Test
  void embedCountsThePromptOnlyAndLegacyEmbeddingsAreEstimated() {
    UsageTap embed = tap(UsageTap.Format.JSON, false, "");
    embed.onChunk(Buffer.buffer("{\"model\":\"m\",\"embeddings\":[[0.1,0.2]],\"prompt_eval_count\":8}"));
    embed.onEnd(null);
    UsageTap legacy = tap(UsageTap.Format.JSON, false, "four words of input");
    legacy.onChunk(Buffer.buffer("{\"embedding\":[0.1,0.2,0.3]}"));
    legacy.onEnd(null);
    assertThat(settled.get(0)).isEqualTo(new Usage(8, 0, false));
    assertThat(settled.get(1)).isEqualTo(new Usage(ESTIMATOR.count("four words of input"), 0, true));
  }

  @Test
  void theUsageChunkTheGatewayAskedForIsRemovedAndCounted() {
    UsageTap tap = tap(UsageTap.Format.SSE, true, "");
    String first = "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":"
        + "\"assistant\",\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n";
    String finish = "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":"
        + "\"assistant\",\"content\":\"\"},\"finish_reason\":\"stop\"}]}\n\n";
    String usage = "data: {\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,"
        + "\"completion_tokens\":1,\"total_tokens\":10}}\n\n";
    String done = "data: [DONE]\n\n";
    StringBuilder client = new StringBuilder();
    Buffer firstChunk = Buffer.buffer(first);
    Buffer out = tap.onChunk(firstChunk);
    assertThat(out).isSameAs(firstChunk);
    client.append(out);
    // the usage event arrives split across two chunks, together with its neighbours
    String rest = finish + usage + done;
    int cut = finish.length() + 20;
    for (String piece : new String[] {rest.substring(0, cut), rest.substring(cut)}) {
      Buffer forwarded = tap.onChunk(Buffer.buffer(piece));
      if (forwarded != null) {
        client.append(forwarded);
      }
    }
    tap.onEnd(null);
    assertThat(client.toString()).isEqualTo(first + finish + done);
    assertThat(settled).containsExactly(new Usage(9, 1, false));
  }

  @Test
  void aClientThatAskedForUsageKeepsItsUsageChunk() {
    UsageTap tap = tap(UsageTap.Format.SSE, false, "");
    String usage = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n";
    Buffer chunk = Buffer.buffer(usage);
    assertThat(tap.onChunk(chunk)).isSameAs(chunk);
    tap.onEnd(null);
    assertThat(settled).containsExactly(new Usage(4, 2, false));
  }

  @Test
  void anthropicAndResponsesUsageAreRead() {
    UsageTap messages = tap(UsageTap.Format.SSE, false, "");
    messages.onChunk(Buffer.buffer("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":"
        + "{\"input_tokens\":11,\"output_tokens\":1}}}\n\nevent: content_block_delta\ndata: {\"type\":"
        + "\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n"
        + "event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":7}}\n\n"));
    messages.onEnd(null);
    UsageTap responses = tap(UsageTap.Format.JSON, false, "");
    responses.onChunk(Buffer.buffer("{\"id\":\"resp\",\"output\":[],\"usage\":{\"input_tokens\":5,"
        + "\"output_tokens\":6,\"total_tokens\":11}}"));
    responses.onEnd(null);
    assertThat(settled).containsExactly(new Usage(11, 7, false), new Usage(5, 6, false));
  }

  @Test
  void countsAndTextAreReadOnlyWhereTheyBelong() {
    // the stream of /v1/responses: counts inside response.usage, text in the top-level delta
    UsageTap responses = tap(UsageTap.Format.SSE, false, "");
    responses.onChunk(Buffer.buffer("data: {\"type\":\"response.output_text.delta\",\"delta\":\"Hi\"}\n\n"
        + "data: {\"type\":\"response.completed\",\"response\":{\"usage\":{\"input_tokens\":3,"
        + "\"output_tokens\":4}}}\n\n"));
    responses.onEnd(null);
    // a tool call's arguments may use the same names: they are not counts, and nested text is not generated
    UsageTap nested = tap(UsageTap.Format.NDJSON, false, "prompt");
    nested.onChunk(Buffer.buffer("{\"message\":{\"thinking\":\"Let me think\",\"tool_calls\":[{\"function\":"
        + "{\"arguments\":{\"eval_count\":99,\"prompt_tokens\":98,\"content\":\"not counted\"}}}]},"
        + "\"done\":false}\n"));
    nested.onEnd(new IllegalStateException("cut"));
    assertThat(settled.get(0)).isEqualTo(new Usage(3, 4, false));
    assertThat(settled.get(1)).isEqualTo(new Usage(ESTIMATOR.count("prompt"), ESTIMATOR.count("Let me think"), true));
  }

  @Test
  void nonJsonAnswersPassUntouchedAndSettleOnce() {
    UsageTap tap = tap(UsageTap.Format.JSON, false, "");
    Buffer html = Buffer.buffer("<html>bad gateway</html>");
    assertThat(tap.onChunk(html)).isSameAs(html);
    tap.onEnd(null);
    tap.onEnd(new IllegalStateException("again"));
    assertThat(settled).hasSize(1);
  }

  @Test
  void streamOptionsAreAddedOnlyWhenTheClientDidNotAsk() {
    JsonNode plain = tree("{\"model\":\"m\",\"stream\":true,\"messages\":[]}");
    assertThat(StreamOptions.includeUsage(plain)).hasValueSatisfying(body ->
        assertThat(body.toJsonObject().getJsonObject("stream_options").getBoolean("include_usage")).isTrue());
    assertThat(plain.has("stream_options")).as("the shared tree is left as it was").isFalse();
    JsonNode asked = tree("{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
    assertThat(StreamOptions.includeUsage(asked)).isEmpty();
    assertThat(StreamOptions.includeUsage(MissingNode.getInstance())).isEmpty();
  }

  private static JsonNode tree(String json) {
    try {
      return new ObjectMapper().readTree(json);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  @Test
  void promptTextCoversMessagesPromptsAndInputs() {
    assertThat(PromptText.of(Buffer.buffer("{\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"},"
        + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"part\"}]}],\"system\":\"be brief\"}")))
        .contains("hello there", "part", "be brief");
    assertThat(PromptText.of(Buffer.buffer("{\"input\":[\"a b\",\"c\"]}"))).contains("a b", "c");
  }
}
