package io.ollamagateway.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.ollama.OllamaStreamingChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import io.ollamagateway.testing.GatewayFixture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real client libraries, configured as their users would, work through the gateway unchanged. */
class LangChain4jCompatibilityTest {

  /** What the emulator answers with its default 10 tokens. */
  private static final String ANSWER = "The quick brown fox jumps over the lazy dog while";
  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  private static GatewayFixture fx;

  @BeforeAll
  static void start() {
    fx = GatewayFixture.start();
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  /** Streams one answer; returns the partial texts, the last element being the complete response's text. */
  private static List<String> stream(StreamingChatModel model) throws Exception {
    List<String> parts = new CopyOnWriteArrayList<>();
    CompletableFuture<ChatResponse> done = new CompletableFuture<>();
    model.chat("Say something", new StreamingChatResponseHandler() {
      @Override
      public void onPartialResponse(String partial) {
        parts.add(partial);
      }

      @Override
      public void onCompleteResponse(ChatResponse response) {
        done.complete(response);
      }

      @Override
      public void onError(Throwable error) {
        done.completeExceptionally(error);
      }
    });
    ChatResponse response = done.get(15, TimeUnit.SECONDS);
    parts.add(response.aiMessage().text());
    return parts;
  }

  @Test
  void ollamaChatModel() {
    ChatModel model = OllamaChatModel.builder().baseUrl(fx.url()).modelName("llama3.2").timeout(TIMEOUT)
        .customHeaders(Map.of("Authorization", "Bearer " + GatewayFixture.TOKEN)).build();
    assertThat(model.chat("Say something")).isEqualTo(ANSWER);
    assertThat(fx.emulator().stats().lastRequest().uri()).isEqualTo("/api/chat");
  }

  @Test
  void ollamaStreamingChatModel() throws Exception {
    StreamingChatModel model = OllamaStreamingChatModel.builder().baseUrl(fx.url()).modelName("llama3.2")
        .timeout(TIMEOUT).customHeaders(Map.of("Authorization", "Bearer " + GatewayFixture.TOKEN)).build();
    List<String> parts = stream(model);
    assertThat(parts.size()).as("partial responses plus the complete one").isGreaterThan(2);
    assertThat(String.join("", parts.subList(0, parts.size() - 1))).isEqualTo(ANSWER);
    assertThat(parts.get(parts.size() - 1)).isEqualTo(ANSWER);
  }

  @Test
  void openAiChatModel() {
    ChatModel model = OpenAiChatModel.builder().baseUrl(fx.url() + "/v1").apiKey(GatewayFixture.TOKEN)
        .modelName("llama3.2").timeout(TIMEOUT).build();
    assertThat(model.chat("Say something")).isEqualTo(ANSWER);
    assertThat(fx.emulator().stats().lastRequest().uri()).isEqualTo("/v1/chat/completions");
  }

  @Test
  void openAiStreamingChatModel() throws Exception {
    StreamingChatModel model = OpenAiStreamingChatModel.builder().baseUrl(fx.url() + "/v1")
        .apiKey(GatewayFixture.TOKEN).modelName("llama3.2").timeout(TIMEOUT).build();
    List<String> parts = stream(model);
    assertThat(parts.size()).isGreaterThan(2);
    assertThat(String.join("", parts.subList(0, parts.size() - 1))).isEqualTo(ANSWER);
    assertThat(parts.get(parts.size() - 1)).isEqualTo(ANSWER);
  }

  @Test
  void aWrongKeyFailsInTheLibraryAsAnAuthenticationError() {
    ChatModel model = OpenAiChatModel.builder().baseUrl(fx.url() + "/v1").apiKey("sk-wrong")
        .modelName("llama3.2").timeout(TIMEOUT).maxRetries(0).build();
    assertThatThrownBy(() -> model.chat("hi"))
        .isInstanceOf(dev.langchain4j.exception.AuthenticationException.class);
  }
}
