package io.ollamagateway.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The streamed model rewrite, wherever the chunks are cut; and the alias table's parsing. */
class ModelRewriterTest {

  private static final String STREAM = "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":"
      + "\"the \\\"model\\\":\\\"x\\\" text\"},\"done\":false}\n"
      + "{\"model\" : \"llama3.2\",\"done\":true,\"details\":{\"amodel\":\"y\"}}\n"
      + "data: {\"id\":\"c\",\"model\":\"ll\\\"ama\",\"choices\":[]}\n\n";
  private static final String EXPECTED = "{\"model\":\"gpt-4o-mini\",\"message\":{\"role\":\"assistant\",\"content\":"
      + "\"the \\\"model\\\":\\\"x\\\" text\"},\"done\":false}\n"
      + "{\"model\" : \"gpt-4o-mini\",\"done\":true,\"details\":{\"amodel\":\"y\"}}\n"
      + "data: {\"id\":\"c\",\"model\":\"gpt-4o-mini\",\"choices\":[]}\n\n";

  @Test
  void rewritesEveryModelValueAndNothingElseWhereverTheChunksAreCut() {
    for (int size = 1; size <= STREAM.length(); size++) {
      ModelRewriter rewriter = new ModelRewriter("gpt-4o-mini");
      Buffer out = Buffer.buffer();
      for (int i = 0; i < STREAM.length(); i += size) {
        out.appendBuffer(rewriter.apply(Buffer.buffer(STREAM.substring(i, Math.min(STREAM.length(), i + size)))));
      }
      assertThat(out.toString()).as("chunks of %d bytes", size).isEqualTo(EXPECTED);
    }
  }

  @Test
  void aChunkWithoutAModelIsPassedOnAsItIs() {
    Buffer chunk = Buffer.buffer("{\"done\":false}\n");
    assertThat(new ModelRewriter("a").apply(chunk)).isSameAs(chunk);
  }

  @Test
  void theTableNeedsKnownUpstreamsAndMatchesAsOllamaDoes() throws Exception {
    ObjectMapper yaml = new ObjectMapper();
    Aliases table = Aliases.parse(yaml.readTree("{\"Fast\":[\"cloud:gpt-oss:20b\",\"local:llama3.2\"]}"),
        Set.of("cloud", "local"));
    assertThat(table.find("fast:latest").targets()).containsExactly(new Alias.Target("cloud", "gpt-oss:20b"),
        new Alias.Target("local", "llama3.2"));
    assertThat(table.find("FAST").name()).isEqualTo("Fast");
    assertThat(table.find("fast:7b")).isNull();
    assertThatThrownBy(() -> Aliases.parse(yaml.readTree("{\"a\":[\"gpu:m\"]}"), Set.of("local")))
        .hasMessageContaining("upstream 'gpu' is not configured");
    assertThatThrownBy(() -> Aliases.parse(yaml.readTree("{\"a\":[\"nocolon\"]}"), Set.of("local")))
        .hasMessageContaining("is not upstream:model");
    assertThatThrownBy(() -> Aliases.parse(yaml.readTree("{\"a\":[]}"), Set.of("local")))
        .hasMessageContaining("non-empty list");
  }
}
