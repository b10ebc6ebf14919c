package io.ollamagateway.proxy;

import io.ollamagateway.openai.NativeAnswer;
import io.ollamagateway.openai.NativeRequest;
import io.vertx.core.buffer.Buffer;

/**
 * A native request ({@code /api/chat}, {@code /api/generate}, {@code /api/embed}) on its way to an upstream of
 * kind {@code openai}: what is sent instead ({@link NativeRequest}), and the tap that turns the answer back into
 * Ollama's ({@link NativeAnswer}) after the metering tap has read the server's usage. Made per attempt, since
 * each attempt may go to another kind of upstream.
 *
 * <p>Confined to the exchange's event loop.
 */
final class OpenAiTranslation {

  private final NativeRequest.Op op;
  private final NativeRequest.Translated request;

  private OpenAiTranslation(NativeRequest.Op op, NativeRequest.Translated request) {
    this.op = op;
    this.request = request;
  }

  /** The translation an attempt needs, or {@code null} when the request goes as it came. */
  static OpenAiTranslation of(Exchange exchange) {
    if (exchange.target() == null || !exchange.target().upstream().openAi() || exchange.body() == null) {
      return null;
    }
    NativeRequest.Op op = switch (exchange.endpoint()) {
      case CHAT -> NativeRequest.Op.CHAT;
      case GENERATE -> NativeRequest.Op.GENERATE;
      case EMBED -> NativeRequest.Op.EMBED;
      default -> null;
    };
    return op == null ? null : new OpenAiTranslation(op, NativeRequest.translate(op, exchange.body().tree()));
  }

  String path() {
    return request.path();
  }

  Buffer body() {
    return request.body();
  }

  /** The content type the client gets. */
  String contentType(String upstream) {
    return NativeAnswer.contentType(upstream);
  }

  /** {@code inner} (which reads the upstream's bytes) followed by the translation of the answer. */
  ResponseTap wrap(Exchange exchange, ResponseTap inner, int status, String upstreamContentType) {
    NativeAnswer answer = new NativeAnswer(op, exchange.model());
    boolean stream = status == 200 && upstreamContentType != null
        && upstreamContentType.startsWith("text/event-stream");
    return new ResponseTap() {
      private final Buffer whole = stream ? null : Buffer.buffer();

      @Override
      public Buffer onChunk(Buffer chunk) {
        Buffer seen = inner.onChunk(chunk);
        if (seen == null) {
          return null;
        }
        if (stream) {
          Buffer lines = answer.onStreamChunk(seen);
          return lines.length() == 0 ? null : lines;
        }
        whole.appendBuffer(seen); // a non-streamed answer: one JSON document, translated when complete
        return null;
      }

      @Override
      public boolean keepsLength() {
        return false;
      }

      @Override
      public void onEnd(Throwable error) {
        inner.onEnd(error);
        if (error != null || exchange.clientGone()) {
          return;
        }
        if (!stream && whole.length() == 0) {
          return; // a tap before this one consumed the answer (the embeddings cache): it answers it
        }
        Buffer last = stream ? answer.finish() : answer.whole(whole, status);
        if (last != null && last.length() > 0) {
          exchange.request().response().write(last);
        }
      }
    };
  }
}
