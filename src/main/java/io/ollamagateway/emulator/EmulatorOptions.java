package io.ollamagateway.emulator;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * How the emulator behaves. Every request may override the timing with headers, which pass through the
 * gateway untouched: {@code X-Emulator-Chunks}, {@code X-Emulator-Interval-Ms}, {@code X-Emulator-TTFT-Ms},
 * {@code X-Emulator-Fail-After} (chunks before a mid-stream error), {@code X-Emulator-Embed-Ms} (time an embedding
 * takes) and {@code X-Emulator-Chunk-Bytes}
 * (padding of each chunk's text, for backpressure tests).
 *
 * @param host address to listen on
 * @param port port to listen on (0: any free port)
 * @param ttft delay before the first chunk (and before a non-streamed answer)
 * @param chunks tokens generated per answer, one per chunk, unless the request caps them lower
 * @param interval delay between chunks; zero writes as fast as the client reads
 * @param failAfter chunks after which a stream breaks with an error line; -1 never
 * @param models the models it has, as {@code name:tag}
 * @param rateLimitedKeys upstream keys answered with 429, as Ollama Cloud does when a key's quota is spent
 * @param requiredKeys when not empty, requests must carry one of these Bearer keys (else 401), like the cloud
 * @param eventLoops event-loop threads
 * @param openAiOnly whether it serves only the OpenAI-compatible routes ({@code /v1/...}), as vLLM, llama.cpp's
 *     server, LM Studio or LocalAI do: every native {@code /api/...} route answers 404
 */
public record EmulatorOptions(
    String host,
    int port,
    Duration ttft,
    int chunks,
    Duration interval,
    int failAfter,
    List<String> models,
    Set<String> rateLimitedKeys,
    Set<String> requiredKeys,
    int eventLoops,
    boolean openAiOnly) {

  public static final List<String> DEFAULT_MODELS =
      List.of("llama3.2:latest", "qwen2.5:0.5b", "nomic-embed-text:latest");

  public EmulatorOptions {
    models = List.copyOf(models);
    rateLimitedKeys = Set.copyOf(rateLimitedKeys);
    requiredKeys = Set.copyOf(requiredKeys);
  }

  /** An emulator of Ollama (native and OpenAI-compatible routes). */
  public EmulatorOptions(String host, int port, Duration ttft, int chunks, Duration interval, int failAfter,
      List<String> models, Set<String> rateLimitedKeys, Set<String> requiredKeys, int eventLoops) {
    this(host, port, ttft, chunks, interval, failAfter, models, rateLimitedKeys, requiredKeys, eventLoops, false);
  }

  /** A copy that serves only the OpenAI-compatible routes, or every route. */
  public EmulatorOptions withOpenAiOnly(boolean openAiOnly) {
    return new EmulatorOptions(host, port, ttft, chunks, interval, failAfter, models, rateLimitedKeys,
        requiredKeys, eventLoops, openAiOnly);
  }

  /** Loopback, any free port, no delays, 10 chunks, the default models. */
  public static EmulatorOptions defaults() {
    return new EmulatorOptions("127.0.0.1", 0, Duration.ZERO, 10, Duration.ZERO, -1, DEFAULT_MODELS, Set.of(),
        Set.of(), 1);
  }

  public EmulatorOptions withTiming(Duration ttft, int chunks, Duration interval) {
    return new EmulatorOptions(host, port, ttft, chunks, interval, failAfter, models, rateLimitedKeys,
        requiredKeys, eventLoops, openAiOnly);
  }

  public EmulatorOptions withKeys(Set<String> rateLimited, Set<String> required) {
    return new EmulatorOptions(host, port, ttft, chunks, interval, failAfter, models, rateLimited, required,
        eventLoops, openAiOnly);
  }

  public EmulatorOptions withListen(String host, int port, int eventLoops) {
    return new EmulatorOptions(host, port, ttft, chunks, interval, failAfter, models, rateLimitedKeys,
        requiredKeys, eventLoops, openAiOnly);
  }
}
