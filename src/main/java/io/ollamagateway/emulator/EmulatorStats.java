package io.ollamagateway.emulator;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the emulator has seen, for tests and the benchmark to assert on: request and stream counters, the
 * requests each upstream key made, and the last request's method, path, headers and body. Thread-safe.
 */
public final class EmulatorStats {

  /** One request as the emulator received it. */
  public record SeenRequest(String method, String uri, MultiMap headers, String body) {
  }

  final AtomicLong requests = new AtomicLong();
  final AtomicLong streamsStarted = new AtomicLong();
  final AtomicLong streamsCompleted = new AtomicLong();
  final AtomicLong streamsCancelled = new AtomicLong();
  final AtomicLong chunksWritten = new AtomicLong();
  final AtomicLong active = new AtomicLong();
  final Map<String, AtomicLong> byKey = new ConcurrentHashMap<>();
  final AtomicReference<SeenRequest> last = new AtomicReference<>();

  public long requests() {
    return requests.get();
  }

  public long streamsStarted() {
    return streamsStarted.get();
  }

  public long streamsCompleted() {
    return streamsCompleted.get();
  }

  /** Streams whose client (the gateway) closed the connection before the end. */
  public long streamsCancelled() {
    return streamsCancelled.get();
  }

  public long chunksWritten() {
    return chunksWritten.get();
  }

  /** Requests being answered now. */
  public long active() {
    return active.get();
  }

  /** Requests that carried this Bearer key. */
  public long requestsWithKey(String key) {
    AtomicLong n = byKey.get(key);
    return n == null ? 0 : n.get();
  }

  /** The last request received, or {@code null}. */
  public SeenRequest lastRequest() {
    return last.get();
  }

  JsonObject toJson() {
    JsonObject keys = new JsonObject();
    byKey.forEach((key, n) -> keys.put(key.length() > 6 ? key.substring(0, 6) + "..." : key, n.get()));
    return new JsonObject()
        .put("requests", requests.get())
        .put("active", active.get())
        .put("streams_started", streamsStarted.get())
        .put("streams_completed", streamsCompleted.get())
        .put("streams_cancelled", streamsCancelled.get())
        .put("chunks_written", chunksWritten.get())
        .put("requests_by_key", keys);
  }
}
