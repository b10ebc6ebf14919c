package io.ollamagateway.usage;

import io.ollamagateway.proxy.ResponseTap;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Reads what an answer cost while it streams to the client, and hands the {@link Usage} over once the answer
 * is over, exactly once.
 *
 * <p>NDJSON and JSON answers are scanned in place and forwarded untouched. Server-sent events are framed so
 * that their data can be scanned; when the gateway itself asked the upstream for a usage chunk the client did
 * not request ({@code stream_options.include_usage}), that chunk is removed, so that the client's stream is
 * exactly what Ollama would have sent it. Only then are incomplete events held back until they complete.
 *
 * <p>Counts come from the upstream when it sends them (the final {@code done} object, {@code usage}); when it
 * sends none (legacy embeddings, an aborted or broken stream, cloud streams without counts) they are estimated
 * from the text that passed and the prompt, and the usage is marked estimated.
 *
 * <p>Confined to the answer's event loop, like every {@link ResponseTap}.
 */
public final class UsageTap implements ResponseTap {

  /** How the answer's body is framed. */
  public enum Format {
    /** A single JSON document. */
    JSON,
    /** One JSON document per line, Ollama's native stream. */
    NDJSON,
    /** Server-sent events with JSON data, the OpenAI-compatible stream. */
    SSE,
    /** Anything else: nothing to read. */
    OTHER;

    /** The format of an answer's {@code Content-Type}. */
    public static Format of(String contentType) {
      if (contentType == null) {
        return OTHER;
      }
      if (contentType.startsWith("application/x-ndjson")) {
        return NDJSON;
      }
      if (contentType.startsWith("text/event-stream")) {
        return SSE;
      }
      return contentType.startsWith("application/json") ? JSON : OTHER;
    }
  }

  private final Format format;
  private final boolean hideUsageChunk;
  private final TokenEstimator estimator;
  private final Supplier<String> promptText;
  private final BiConsumer<Usage, Throwable> settle;
  private final CountScanner scanner;
  /** A copy of a chunk whose bytes are not in a heap array (made only for such chunks). */
  private byte[] scratch;
  private String pendingEvent = "";
  private boolean ended;

  /**
   * @param format how the body is framed
   * @param hideUsageChunk whether to remove the usage-only SSE chunk the gateway asked for
   * @param estimator estimates tokens of text when the upstream gives no counts
   * @param promptText the prompt's text, asked for only when the prompt must be estimated
   * @param settle receives the usage and the error that ended the answer ({@code null} if none), once
   */
  public UsageTap(Format format, boolean hideUsageChunk, TokenEstimator estimator, Supplier<String> promptText,
      BiConsumer<Usage, Throwable> settle) {
    this.format = format;
    this.hideUsageChunk = hideUsageChunk && format == Format.SSE;
    this.estimator = estimator;
    this.promptText = promptText;
    this.settle = settle;
    this.scanner = new CountScanner(estimator);
  }

  @Override
  public Buffer onChunk(Buffer chunk) {
    switch (format) {
      case JSON, NDJSON -> {
        scan(chunk);
        return chunk;
      }
      case SSE -> {
        return events(chunk);
      }
      default -> {
        return chunk;
      }
    }
  }

  /** Only the usage chunk the gateway asked for, when it is removed, changes the answer's length. */
  @Override
  public boolean keepsLength() {
    return !hideUsageChunk;
  }

  @Override
  public void onEnd(Throwable error) {
    if (ended) {
      return;
    }
    ended = true;
    if (!pendingEvent.isEmpty()) {
      scanEvent(pendingEvent);
    }
    scanner.close();
    settle.accept(usage(), error);
  }

  /** The usage as known now. */
  Usage usage() {
    if (scanner.done() || scanner.hasCounts()) {
      return new Usage(scanner.promptTokens(), scanner.completionTokens(), false);
    }
    return new Usage(estimator.count(promptText.get()), scanner.estimatedCompletionTokens(), true);
  }

  private void scan(Buffer chunk) {
    int length = chunk.length();
    // the answer's chunks arrive in heap buffers: the scanner reads their array in place, no copy per chunk
    if (chunk instanceof BufferInternal internal) {
      ByteBuf bytes = internal.unwrap();
      if (bytes.hasArray()) {
        scanner.feed(bytes.array(), bytes.arrayOffset() + bytes.readerIndex(), length);
        return;
      }
    }
    if (scratch == null || scratch.length < length) {
      scratch = new byte[Math.max(length, scratch == null ? 512 : scratch.length * 2)];
    }
    chunk.getBytes(0, length, scratch, 0);
    scanner.feed(scratch, 0, length);
  }

  /** Scans complete events; forwards the chunk itself unless an event must be removed. */
  private Buffer events(Buffer chunk) {
    boolean hadPending = !pendingEvent.isEmpty();
    String text = pendingEvent + chunk.toString(StandardCharsets.UTF_8);
    StringBuilder kept = hideUsageChunk ? new StringBuilder(text.length()) : null;
    boolean dropped = false;
    int start = 0;
    int boundary;
    while ((boundary = text.indexOf("\n\n", start)) >= 0) {
      String event = text.substring(start, boundary + 2);
      boolean usageOnly = scanEvent(event);
      if (hideUsageChunk && usageOnly) {
        dropped = true;
      } else if (kept != null) {
        kept.append(event);
      }
      start = boundary + 2;
    }
    pendingEvent = text.substring(start);
    if (!hideUsageChunk) {
      return chunk;
    }
    if (!dropped && !hadPending && pendingEvent.isEmpty()) {
      return chunk;
    }
    return kept.length() == 0 ? null : Buffer.buffer(kept.toString());
  }

  /**
   * Scans one event's data.
   *
   * @return whether it is a usage-only chunk ({@code "choices":[]} with {@code usage})
   */
  private boolean scanEvent(String event) {
    boolean usageOnly = false;
    for (String line : event.split("\n")) {
      if (!line.startsWith("data:")) {
        continue;
      }
      String data = line.substring(line.length() > 5 && line.charAt(5) == ' ' ? 6 : 5);
      if (data.equals("[DONE]")) {
        continue;
      }
      byte[] bytes = (data + "\n").getBytes(StandardCharsets.UTF_8);
      scanner.feed(bytes, 0, bytes.length);
      usageOnly |= data.contains("\"choices\":[]") && data.contains("\"usage\"");
    }
    return usageOnly;
  }
}
