import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Soak client (bench/soak.sh): mixed traffic through the gateway at a steady rate for a given time, and what it
 * sent, counted so that the gateway's usage records can be compared with it.
 *
 * <pre>java -cp target/ollama-gateway.jar bench/SoakLoad.java --url http://127.0.0.1:PORT --key sk-...
 *     [--rate 300] [--seconds 1800] [--max-in-flight 1000] [--seed 27]</pre>
 *
 * <p>Every request is drawn at random (fixed seed) from: a long native chat stream (40%: 70 chunks, one every
 * 100 ms, via the emulator's X-Emulator-* headers, which the gateway forwards), a non-streamed chat (20%), an
 * embedding (10%), a stream the upstream breaks after 5 chunks (10%), a client error (10%: half malformed JSON
 * with a valid key, 400; half a wrong key, 401) and a client that vanishes mid-stream (10%: it closes its
 * connection after 3 lines). At most {@code --max-in-flight} are under way at once (about 1,000 with the
 * defaults); a request due while that many are under way waits, and is counted as late.
 *
 * <p>Counts: every answer with the upstream's own counts (a finished stream's last line, a non-streamed answer,
 * an embedding) adds its {@code prompt_eval_count} and {@code eval_count} to the exact totals; these must equal
 * what the gateway recorded as not estimated. Requests that reached the upstream (all but the client errors)
 * are counted too. Prints one {@code SENT key=value ...} line at the end, and a {@code PROGRESS} line every 10 s.
 *
 * <p>Unexpected outcomes (any answer other than the one its kind calls for) are counted by kind and by what
 * happened (a status, a failure before the answer, a break or an end without the final line, with the exception's
 * class), and the first {@value #EXAMPLES} of each are kept with their time in the run, their duration and what
 * the client saw: one {@code UNEXPECTED count=N what="..."} line per such class after the {@code SENT} line, each
 * followed by its {@code   example} lines.
 */
public final class SoakLoad {

  private static final String CHAT = "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":"
      + "\"Why is the sky blue? Tell me in detail.\"}]%s}";
  private static final String EMBED = "{\"model\":\"llama3.2\",\"input\":\"the quick brown fox\"}";

  final AtomicLong started = new AtomicLong();
  final AtomicLong inFlight = new AtomicLong();
  final AtomicLong late = new AtomicLong();
  final AtomicLong forwarded = new AtomicLong();
  final AtomicLong exactRequests = new AtomicLong();
  final AtomicLong exactPrompt = new AtomicLong();
  final AtomicLong exactCompletion = new AtomicLong();
  final AtomicLong streamsDone = new AtomicLong();
  final AtomicLong nonStreams = new AtomicLong();
  final AtomicLong embeds = new AtomicLong();
  final AtomicLong upstreamBroken = new AtomicLong();
  final AtomicLong vanished = new AtomicLong();
  final AtomicLong refused400 = new AtomicLong();
  final AtomicLong refused401 = new AtomicLong();
  final AtomicLong unexpected = new AtomicLong();
  final ConcurrentHashMap<String, AtomicLong> unexpectedBy = new ConcurrentHashMap<>();
  /** What happened ("STREAM: status 502"), how often, and the first few examples of it. */
  final ConcurrentHashMap<String, AtomicLong> unexpectedWhat = new ConcurrentHashMap<>();
  final ConcurrentHashMap<String, List<String>> unexpectedExamples = new ConcurrentHashMap<>();
  private static final int EXAMPLES = 3;
  private final long startNanos = System.nanoTime();

  private final HttpClient client;
  private final String host;
  private final int port;
  private final String key;

  SoakLoad(HttpClient client, String host, int port, String key) {
    this.client = client;
    this.host = host;
    this.port = port;
    this.key = key;
  }

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = new HashMap<>();
    for (int i = 0; i + 1 < argv.length; i += 2) {
      args.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
    }
    java.net.URI url = java.net.URI.create(args.getOrDefault("url", "http://127.0.0.1:8000"));
    double rate = Double.parseDouble(args.getOrDefault("rate", "300"));
    long seconds = Long.parseLong(args.getOrDefault("seconds", "1800"));
    int maxInFlight = Integer.parseInt(args.getOrDefault("max-in-flight", "1000"));
    SplittableRandom random = new SplittableRandom(Long.parseLong(args.getOrDefault("seed", "27")));

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
        .setKeepAliveTimeout(30), new PoolOptions().setHttp1MaxSize(maxInFlight + 50).setMaxWaitQueueSize(-1));
    SoakLoad load = new SoakLoad(client, url.getHost(), url.getPort(), args.get("key"));

    long start = System.nanoTime();
    long periodNanos = (long) (1e9 / rate);
    long due = start;
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    long nextProgress = start + TimeUnit.SECONDS.toNanos(10);
    boolean waiting = false;
    while (due < end) {
      long now = System.nanoTime();
      if (now < due) {
        TimeUnit.NANOSECONDS.sleep(Math.min(due - now, 5_000_000));
        continue;
      }
      if (load.inFlight.get() >= maxInFlight) {
        if (!waiting) {
          load.late.incrementAndGet(); // once per request that had to wait
          waiting = true;
        }
        TimeUnit.MILLISECONDS.sleep(1);
        continue;
      }
      waiting = false;
      double pick = random.nextDouble();
      load.inFlight.incrementAndGet();
      load.started.incrementAndGet();
      vertx.runOnContext(v -> load.send(pick));
      due += periodNanos;
      if (now >= nextProgress) {
        System.out.println("PROGRESS t=" + (now - start) / 1_000_000_000 + " " + load.counts());
        nextProgress += TimeUnit.SECONDS.toNanos(10);
      }
    }
    // let the last streams finish (at most 60 s)
    for (int i = 0; i < 600 && load.inFlight.get() > 0; i++) {
      Thread.sleep(100);
    }
    System.out.println("SENT " + load.counts());
    load.unexpectedWhat.forEach((what, count) -> {
      System.out.println("UNEXPECTED count=" + count + " what=\"" + what + "\"");
      load.unexpectedExamples.getOrDefault(what, List.of()).forEach(e -> System.out.println("  example " + e));
    });
    CountDownLatch closed = new CountDownLatch(1);
    vertx.close().onComplete(v -> closed.countDown());
    closed.await(10, TimeUnit.SECONDS);
  }

  String counts() {
    return "started=" + started + " in_flight=" + inFlight + " late=" + late + " forwarded=" + forwarded
        + " exact_requests=" + exactRequests + " exact_prompt_tokens=" + exactPrompt
        + " exact_completion_tokens=" + exactCompletion + " streams=" + streamsDone + " non_streams=" + nonStreams
        + " embeds=" + embeds + " upstream_broken=" + upstreamBroken + " vanished=" + vanished
        + " refused_400=" + refused400 + " refused_401=" + refused401 + " unexpected=" + unexpected
        + (unexpectedBy.isEmpty() ? "" : " unexpected_by=" + unexpectedBy);
  }

  private void send(double pick) {
    if (pick < 0.40) {
      stream("/api/chat", String.format(CHAT, ""), Map.of("X-Emulator-Chunks", "70", "X-Emulator-Interval-Ms", "100",
          "X-Emulator-TTFT-Ms", "100"), Kind.STREAM);
    } else if (pick < 0.60) {
      stream("/api/chat", String.format(CHAT, ",\"stream\":false"), Map.of("X-Emulator-Chunks", "20"), Kind.SINGLE);
    } else if (pick < 0.70) {
      stream("/api/embed", EMBED, Map.of(), Kind.EMBED);
    } else if (pick < 0.80) {
      stream("/api/chat", String.format(CHAT, ""), Map.of("X-Emulator-Chunks", "40", "X-Emulator-Interval-Ms", "20",
          "X-Emulator-Fail-After", "5"), Kind.BROKEN);
    } else if (pick < 0.85) {
      stream("/api/chat", "{\"model\":\"llama3.2\",\"messages\":[", Map.of(), Kind.BAD_JSON);
    } else if (pick < 0.90) {
      stream("/api/chat", String.format(CHAT, ""), Map.of("Authorization", "Bearer sk-not-a-key-of-this-gateway"),
          Kind.BAD_KEY);
    } else {
      stream("/api/chat", String.format(CHAT, ""), Map.of("X-Emulator-Chunks", "80", "X-Emulator-Interval-Ms", "100"),
          Kind.VANISH);
    }
  }

  enum Kind { STREAM, SINGLE, EMBED, BROKEN, BAD_JSON, BAD_KEY, VANISH }

  private void stream(String path, String body, Map<String, String> headers, Kind kind) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port)
        .setURI(path).setIdleTimeout(120_000).putHeader("Content-Type", "application/json");
    if (!headers.containsKey("Authorization")) {
      options.putHeader("Authorization", "Bearer " + key);
    }
    headers.forEach(options::putHeader);
    long sent = System.nanoTime();
    client.request(options).onFailure(err -> failed(kind, sent, "no connection: " + name(err), err.getMessage()))
        .onSuccess(request -> {
          request.send(Buffer.buffer(body))
              .onFailure(err -> failed(kind, sent, "no answer: " + name(err), err.getMessage()))
              .onSuccess(response -> read(request, response, kind, sent));
        });
  }

  private void read(HttpClientRequest request, HttpClientResponse response, Kind kind, long sent) {
    int expected = kind == Kind.BAD_JSON ? 400 : kind == Kind.BAD_KEY ? 401 : 200;
    if (response.statusCode() != expected) {
      response.body().onComplete(ar -> failed(kind, sent, "status " + response.statusCode(),
          ar.succeeded() ? ar.result().toString() : "(body unreadable: " + name(ar.cause()) + ")"));
      return;
    }
    if (kind == Kind.BAD_JSON || kind == Kind.BAD_KEY) {
      response.body().onComplete(ar -> done(kind, true, null));
      return;
    }
    StringBuilder pending = new StringBuilder();
    JsonObject[] last = new JsonObject[1];
    int[] lines = new int[1];
    boolean[] finished = new boolean[1];
    response.handler(chunk -> {
      if (finished[0]) {
        return;
      }
      pending.append(chunk.toString());
      int nl;
      while ((nl = pending.indexOf("\n")) >= 0) {
        String line = pending.substring(0, nl).trim();
        pending.delete(0, nl + 1);
        if (!line.isEmpty()) {
          lines[0]++;
          try {
            last[0] = new JsonObject(line);
          } catch (RuntimeException notJson) {
            finished[0] = true;
            failed(kind, sent, "line " + lines[0] + " is not JSON", line);
            return;
          }
        }
      }
      if (kind == Kind.VANISH && lines[0] >= 3) {
        finished[0] = true;
        request.connection().close(); // the client goes away mid-stream, without a word
        done(kind, true, null);
      }
    });
    response.exceptionHandler(err -> {
      if (!finished[0]) {
        finished[0] = true;
        failed(kind, sent, "broken after " + (lines[0] == 0 ? "the status" : "some lines") + ": " + name(err),
            lines[0] + " lines, last " + last[0] + "; " + err.getMessage());
      }
    });
    response.endHandler(v -> {
      if (finished[0]) {
        return;
      }
      finished[0] = true;
      String rest = pending.toString().trim();
      if (!rest.isEmpty()) {
        try {
          last[0] = new JsonObject(rest);
        } catch (RuntimeException notJson) {
          failed(kind, sent, "unterminated last line is not JSON", rest);
          return;
        }
      }
      JsonObject end = last[0];
      if (kind == Kind.BROKEN && (end == null || !end.containsKey("error"))) {
        failed(kind, sent, "ended without an error line", lines[0] + " lines, last " + end);
      } else if (kind != Kind.BROKEN && kind != Kind.VANISH && (end == null || !end.containsKey("prompt_eval_count"))) {
        failed(kind, sent, end != null && end.containsKey("error") ? "ended with an error line"
            : "ended without the final counts", lines[0] + " lines, last " + end);
      } else {
        done(kind, true, end);
      }
    });
  }

  private static String name(Throwable err) {
    return err == null ? "?" : err.getClass().getSimpleName();
  }

  /** An unexpected outcome: counted as {@code what}, with an example (at most 300 characters of {@code seen}). */
  private void failed(Kind kind, long sentNanos, String what, String seen) {
    long now = System.nanoTime();
    String key = kind + ": " + what;
    unexpectedWhat.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
    List<String> examples = unexpectedExamples.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>());
    if (examples.size() < EXAMPLES) {
      String text = String.valueOf(seen).replace('\n', ' ');
      examples.add("t=" + (sentNanos - startNanos) / 1_000_000_000 + "s took=" + (now - sentNanos) / 1_000_000
          + "ms: " + (text.length() > 300 ? text.substring(0, 300) + "..." : text));
    }
    done(kind, false, null);
  }

  private void done(Kind kind, boolean ok, JsonObject last) {
    inFlight.decrementAndGet();
    if (kind != Kind.BAD_JSON && kind != Kind.BAD_KEY) {
      forwarded.incrementAndGet();
    }
    if (!ok) {
      unexpected.incrementAndGet();
      unexpectedBy.computeIfAbsent(kind.name(), k -> new AtomicLong()).incrementAndGet();
      return;
    }
    switch (kind) {
      case BAD_JSON -> refused400.incrementAndGet();
      case BAD_KEY -> refused401.incrementAndGet();
      case VANISH -> vanished.incrementAndGet();
      case BROKEN -> upstreamBroken.incrementAndGet();
      default -> {
        exactRequests.incrementAndGet();
        exactPrompt.addAndGet(last.getLong("prompt_eval_count", 0L));
        exactCompletion.addAndGet(last.getLong("eval_count", 0L));
        (kind == Kind.STREAM ? streamsDone : kind == Kind.SINGLE ? nonStreams : embeds).incrementAndGet();
      }
    }
  }
}
