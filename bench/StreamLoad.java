import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Benchmark client: opens N concurrent streaming POST /api/chat requests at once and records, per stream,
 * the time to first byte and every gap between NDJSON lines (a line that arrives in the same read as the
 * previous one counts a gap of 0, so coalescing shows up as it would to a real client).
 *
 * <p>Run with the gateway jar on the classpath (single-file source launch, no build):
 * <pre>java -cp target/ollama-gateway.jar bench/StreamLoad.java --url http://127.0.0.1:PORT/api/chat
 *     [--streams 1000] [--token T] [--warmup-rounds 3] [--full-warmup-rounds 0] [--pids 123,456]
 *     [--label name] [--timeout-s 120]</pre>
 *
 * <p>Warm-up rounds (same N streams, 2 chunks, no delays, via the emulator's X-Emulator-* headers) fill
 * every connection pool and let the JIT compile the hot paths first, so the measured round sees warm
 * connections on both hops. Full warm-up rounds then run the measured round's shape itself, unmeasured: a
 * JVM proxy's JIT was still compiling for three rounds of long streams after the short ones (its CPU per
 * round fell from 2.7 to 1.7 s), so without them the measured round measures the compiler. {@code --pids}:
 * processes whose CPU time (utime+stime from /proc/PID/stat) is measured over the measured round and
 * whose VmHWM/VmRSS is read at its end. Prints one {@code RESULT key=value ...} line.
 */
public final class StreamLoad {

  private static final String BODY = "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":"
      + "\"Why is the sky blue?\"}],\"stream\":true}";

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = parse(argv);
    String url = args.getOrDefault("url", "http://127.0.0.1:11434/api/chat");
    int streams = Integer.parseInt(args.getOrDefault("streams", "1000"));
    String token = args.get("token");
    int warmupRounds = Integer.parseInt(args.getOrDefault("warmup-rounds", "3"));
    int fullWarmupRounds = Integer.parseInt(args.getOrDefault("full-warmup-rounds", "0"));
    String label = args.getOrDefault("label", "run");
    long timeoutS = Long.parseLong(args.getOrDefault("timeout-s", "120"));
    int loops = Integer.parseInt(args.getOrDefault("event-loops", "1"));
    List<Long> pids = new ArrayList<>();
    if (args.containsKey("pids") && !args.get("pids").isBlank()) {
      for (String p : args.get("pids").split(",")) {
        pids.add(Long.parseLong(p.trim()));
      }
    }
    java.net.URI uri = java.net.URI.create(url);

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
            .setKeepAliveTimeout(300),
        new PoolOptions().setHttp1MaxSize(streams + 16).setMaxWaitQueueSize(-1));
    try {
      warmUp("warm-up", warmupRounds, () -> new Round(client, uri, token, streams, Map.of("X-Emulator-Chunks",
          "2", "X-Emulator-TTFT-Ms", "0", "X-Emulator-Interval-Ms", "0")), streams, timeoutS);
      warmUp("full warm-up", fullWarmupRounds, () -> new Round(client, uri, token, streams, Map.of()), streams,
          timeoutS);
      long[] cpuBefore = pids.stream().mapToLong(StreamLoad::cpuTicks).toArray();
      long wallStart = System.nanoTime();
      Round r = new Round(client, uri, token, streams, Map.of());
      try {
        r.run().await(timeoutS, TimeUnit.SECONDS);
      } catch (Exception timeout) {
        System.err.println("measured round did not finish in " + timeoutS + " s: " + timeout);
      }
      double wall = (System.nanoTime() - wallStart) / 1e9;
      long[] cpuAfter = pids.stream().mapToLong(StreamLoad::cpuTicks).toArray();
      double cpuSeconds = 0;
      for (int i = 0; i < pids.size(); i++) {
        cpuSeconds += (cpuAfter[i] - cpuBefore[i]) / 100.0; // USER_HZ is 100 on Linux
      }
      long hwm = 0;
      long rss = 0;
      for (long pid : pids) {
        hwm += status(pid, "VmHWM");
        rss += status(pid, "VmRSS");
      }
      long[] ttfb = r.ttfbs();
      long[] gaps = r.gaps();
      StringBuilder out = new StringBuilder("RESULT label=").append(label)
          .append(" streams=").append(streams)
          .append(" ok=").append(r.ok.get())
          .append(" errors=").append(r.errors.get())
          .append(" lines_per_stream_min=").append(r.minLines())
          .append(" ttfb_p50_ms=").append(ms(pct(ttfb, 50)))
          .append(" ttfb_p99_ms=").append(ms(pct(ttfb, 99)))
          .append(" ttfb_max_ms=").append(ms(pct(ttfb, 100)))
          .append(" gap_p50_ms=").append(ms(pct(gaps, 50)))
          .append(" gap_p99_ms=").append(ms(pct(gaps, 99)))
          .append(" gap_max_ms=").append(ms(pct(gaps, 100)))
          .append(" gaps=").append(gaps.length)
          .append(" wall_s=").append(String.format("%.2f", wall))
          .append(" cpu_s=").append(String.format("%.2f", cpuSeconds))
          .append(" vmhwm_mb=").append(hwm / 1024)
          .append(" vmrss_mb=").append(rss / 1024);
      if (r.firstError != null) {
        System.err.println("first error: " + r.firstError);
      }
      System.out.println(out);
    } finally {
      client.close().await(5, TimeUnit.SECONDS);
      vertx.close().await(5, TimeUnit.SECONDS);
    }
  }

  /** Runs unmeasured rounds, saying on stderr when one did not complete every stream. */
  private static void warmUp(String what, int rounds, java.util.function.Supplier<Round> round, int streams,
      long timeoutS) throws Exception {
    for (int i = 0; i < rounds; i++) {
      Round w = round.get();
      w.run().await(timeoutS, TimeUnit.SECONDS);
      if (w.ok.get() != streams) {
        System.err.println(what + ": only " + w.ok.get() + "/" + streams + " streams completed, errors="
            + w.errors.get() + " " + w.firstError);
      }
      Thread.sleep(500);
    }
  }

  /** One round of N concurrent streams; the per-stream arrays are touched only on the client's event loops. */
  private static final class Round {
    final HttpClient client;
    final java.net.URI uri;
    final String token;
    final int n;
    final Map<String, String> extraHeaders;
    final long[] ttfb;
    final long[][] gapsPerStream;
    final int[] lines;
    final AtomicInteger ok = new AtomicInteger();
    final AtomicInteger errors = new AtomicInteger();
    final AtomicInteger done = new AtomicInteger();
    volatile String firstError;
    final Promise<Void> all = Promise.promise();

    Round(HttpClient client, java.net.URI uri, String token, int n, Map<String, String> extraHeaders) {
      this.client = client;
      this.uri = uri;
      this.token = token;
      this.n = n;
      this.extraHeaders = extraHeaders;
      this.ttfb = new long[n];
      this.gapsPerStream = new long[n][];
      this.lines = new int[n];
    }

    Future<Void> run() {
      for (int i = 0; i < n; i++) {
        start(i);
      }
      return all.future();
    }

    private void start(int i) {
      RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(uri.getHost())
          .setPort(uri.getPort()).setURI(uri.getRawPath()).putHeader("Content-Type", "application/json");
      if (token != null) {
        options.putHeader("Authorization", "Bearer " + token);
      }
      extraHeaders.forEach(options::putHeader);
      long sent = System.nanoTime();
      long[] gaps = new long[256];
      int[] count = {0};
      long[] last = {0};
      client.request(options)
          .compose(req -> req.send(Buffer.buffer(BODY)))
          .compose(resp -> {
            if (resp.statusCode() != 200) {
              return resp.body().compose(b -> Future.failedFuture("HTTP " + resp.statusCode() + ": " + b));
            }
            resp.handler(chunk -> {
              long now = System.nanoTime();
              int newLines = 0;
              for (int k = 0; k < chunk.length(); k++) {
                if (chunk.getByte(k) == '\n') {
                  newLines++;
                }
              }
              for (int k = 0; k < newLines; k++) {
                if (lines[i] == 0 && k == 0) {
                  ttfb[i] = now - sent;
                } else if (count[0] < gaps.length) {
                  gaps[count[0]++] = k == 0 ? now - last[0] : 0;
                }
                lines[i]++;
              }
              last[0] = now;
            });
            return resp.end();
          })
          .onComplete(ar -> {
            if (ar.succeeded()) {
              ok.incrementAndGet();
              gapsPerStream[i] = Arrays.copyOf(gaps, count[0]);
            } else {
              errors.incrementAndGet();
              if (firstError == null) {
                firstError = String.valueOf(ar.cause());
              }
            }
            if (done.incrementAndGet() == n) {
              all.complete();
            }
          });
    }

    long[] ttfbs() {
      return Arrays.stream(ttfb).filter(v -> v > 0).sorted().toArray();
    }

    long[] gaps() {
      return Arrays.stream(gapsPerStream).filter(g -> g != null).flatMapToLong(Arrays::stream).sorted().toArray();
    }

    int minLines() {
      return Arrays.stream(lines).min().orElse(0);
    }
  }

  static long pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return -1;
    }
    int idx = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
  }

  static String ms(long nanos) {
    return nanos < 0 ? "NaN" : String.format("%.2f", nanos / 1e6);
  }

  static long cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15: utime, stime
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  static long status(long pid, String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith(key + ":")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      // process gone
    }
    return 0;
  }

  static Map<String, String> parse(String[] argv) {
    Map<String, String> args = new HashMap<>();
    for (int i = 0; i + 1 < argv.length; i += 2) {
      if (!argv[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --name value, got " + argv[i]);
      }
      args.put(argv[i].substring(2), argv[i + 1]);
    }
    return args;
  }
}
