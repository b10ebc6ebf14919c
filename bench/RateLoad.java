import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Benchmark client, wrk2-style: sends requests at a constant rate (open model) and measures each latency
 * from the moment the request was <em>due</em>, not when it went out, so a stalled server is not hidden by
 * a stalled client (coordinated omission corrected, as wrk2 does).
 *
 * <pre>java -cp target/ollama-gateway.jar bench/RateLoad.java --url http://127.0.0.1:PORT/api/chat
 *     --rate 2000 --duration-s 15 [--warmup-s 3] [--method POST] [--body JSON] [--token T]
 *     [--connections 64] [--label name]
 * java ... bench/RateLoad.java --targets direct=http://...,gateway=http://... --rounds 2 [same options]</pre>
 *
 * <p>With {@code --targets}, one JVM runs every target in turn, round after round (interleaved), so that the
 * client's own JIT warm-up is paid once and not inside some target's measurement; a first, unreported pass
 * over every target (warm-up time only) warms the client. The token, if any, is sent to every target.
 *
 * <p>A 1 ms timer on one event loop releases every request due by then. Prints one {@code RESULT} line per
 * run with the achieved rate and p50/p90/p99/p99.9/max latency of the measured part (warm-up excluded), and
 * the p99 of the client's own sending lag (how late after its due time a request left the client): when that
 * is large, the client, not the server, was starved of CPU and the run says little about the server.
 */
public final class RateLoad {

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = new HashMap<>();
    for (int i = 0; i + 1 < argv.length; i += 2) {
      args.put(argv[i].substring(2), argv[i + 1]);
    }
    Map<String, String> targets = new LinkedHashMap<>();
    if (args.containsKey("targets")) {
      for (String t : args.get("targets").split(",")) {
        int eq = t.indexOf('=');
        targets.put(t.substring(0, eq), t.substring(eq + 1));
      }
    } else {
      targets.put(args.getOrDefault("label", "run"), args.getOrDefault("url", "http://127.0.0.1:11434/api/tags"));
    }
    int rounds = Integer.parseInt(args.getOrDefault("rounds", "1"));
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try {
      if (targets.size() > 1 || rounds > 1) {
        Map<String, String> warm = new HashMap<>(args);
        warm.put("duration-s", "0");
        for (String url : targets.values()) {
          run(vertx, url, "client-warmup", 0, warm); // results not printed
        }
      }
      for (int round = 1; round <= rounds; round++) {
        for (Map.Entry<String, String> target : targets.entrySet()) {
          System.out.println(run(vertx, target.getValue(), target.getKey(), round, args));
          System.out.flush();
          Thread.sleep(500);
        }
      }
    } finally {
      vertx.close().await(5, TimeUnit.SECONDS);
    }
  }

  private static String run(Vertx vertx, String url, String label, int round, Map<String, String> args)
      throws Exception {
    java.net.URI uri = java.net.URI.create(url);
    HttpMethod method = HttpMethod.valueOf(args.getOrDefault("method", "GET"));
    String body = args.get("body");
    String token = args.get("token");
    double rate = Double.parseDouble(args.getOrDefault("rate", "1000"));
    double durationS = Double.parseDouble(args.getOrDefault("duration-s", "15"));
    double warmupS = Double.parseDouble(args.getOrDefault("warmup-s", "3"));
    int connections = Integer.parseInt(args.getOrDefault("connections", "64"));

    long total = (long) (rate * (warmupS + durationS));
    long warm = (long) (rate * warmupS);
    long[] latency = new long[(int) (total - warm)];
    long[] lag = new long[(int) (total - warm)];
    Arrays.fill(latency, -1);
    AtomicInteger errors = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    CountDownLatch finished = new CountDownLatch(1);
    Buffer payload = body == null ? null : Buffer.buffer(body);

    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
        new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
    double periodNs = 1e9 / rate;
    long[] next = {0};
    long start = System.nanoTime() + 20_000_000L;
    vertx.runOnContext(v -> vertx.setPeriodic(1, id -> {
      long now = System.nanoTime();
      while (next[0] < total) {
        long due = start + (long) (next[0] * periodNs);
        if (due > now) {
          break;
        }
        long index = next[0]++;
        if (index >= warm) {
          lag[(int) (index - warm)] = now - due; // how late the client itself sent it
        }
        RequestOptions options = new RequestOptions().setMethod(method).setHost(uri.getHost())
            .setPort(uri.getPort()).setURI(uri.getRawPath());
        if (payload != null) {
          options.putHeader("Content-Type", "application/json");
        }
        if (token != null) {
          options.putHeader("Authorization", "Bearer " + token);
        }
        client.request(options)
            .compose(req -> payload == null ? req.send() : req.send(payload))
            .compose(resp -> resp.body().map(b -> resp.statusCode()))
            .onComplete(ar -> {
              long end = System.nanoTime();
              if (ar.failed() || ar.result() != 200) {
                errors.incrementAndGet();
              } else if (index >= warm) {
                latency[(int) (index - warm)] = end - due;
              }
              if (done.incrementAndGet() == total) {
                finished.countDown();
              }
            });
      }
      if (next[0] >= total) {
        vertx.cancelTimer(id);
      }
    }));
    boolean complete = total == 0
        || finished.await((long) ((warmupS + durationS) * 1000) + 30_000, TimeUnit.MILLISECONDS);
    double elapsed = (System.nanoTime() - start) / 1e9;
    long[] sorted = Arrays.stream(latency).filter(v -> v >= 0).sorted().toArray();
    long[] lags = lag.clone();
    Arrays.sort(lags);
    client.close().await(5, TimeUnit.SECONDS);
    return "RESULT label=" + label
        + " round=" + round
        + " target_rps=" + (long) rate
        + " achieved_rps=" + String.format("%.0f", done.get() / elapsed)
        + " requests=" + sorted.length
        + " errors=" + errors.get()
        + " complete=" + complete
        + " p50_ms=" + ms(pct(sorted, 50))
        + " p90_ms=" + ms(pct(sorted, 90))
        + " p99_ms=" + ms(pct(sorted, 99))
        + " p999_ms=" + ms(pct(sorted, 99.9))
        + " max_ms=" + ms(pct(sorted, 100))
        + " send_lag_p99_ms=" + ms(pct(lags, 99));
  }

  static long pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return -1;
    }
    int idx = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
  }

  static String ms(long nanos) {
    return nanos < 0 ? "NaN" : String.format("%.3f", nanos / 1e6);
  }
}
