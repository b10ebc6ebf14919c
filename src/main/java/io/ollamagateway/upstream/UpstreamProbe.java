package io.ollamagateway.upstream;

import io.ollamagateway.config.UpstreamConfig;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Tells whether upstreams answer HTTP, for {@code /health}. A probe is {@code GET /api/version}; any HTTP
 * answer counts as reachable. Results are cached for a few seconds so that health checks cannot flood the
 * upstreams. Thread-safe; never blocks.
 */
public final class UpstreamProbe {

  /** The state of one upstream as last seen. */
  public record Result(String name, String url, boolean reachable, long latencyMillis, String error) {
  }

  private record Cached(long at, Future<List<Result>> results) {
  }

  private static final long CACHE_NANOS = Duration.ofSeconds(2).toNanos();

  private final HttpClient client;
  private final Supplier<List<UpstreamConfig>> upstreams;
  private final long timeoutMillis;
  private final AtomicReference<Cached> cache = new AtomicReference<>();

  public UpstreamProbe(HttpClient client, List<UpstreamConfig> upstreams, Duration timeout) {
    this(client, () -> upstreams, timeout);
  }

  /** Probes whatever upstreams are configured at the time of each check (they change on reload). */
  public UpstreamProbe(HttpClient client, Supplier<List<UpstreamConfig>> upstreams, Duration timeout) {
    this.client = client;
    this.upstreams = upstreams;
    this.timeoutMillis = Math.max(1, timeout.toMillis());
  }

  /** The reachability of every upstream, probed at most every two seconds. */
  public Future<List<Result>> check() {
    long now = System.nanoTime();
    Cached cached = cache.get();
    if (cached != null && now - cached.at() < CACHE_NANOS) {
      return cached.results();
    }
    List<Future<Result>> probes = upstreams.get().stream().map(this::probe).toList();
    Future<List<Result>> all = Future.join(probes).map(v -> probes.stream().map(Future::result).toList());
    cache.set(new Cached(now, all));
    return all;
  }

  private Future<Result> probe(UpstreamConfig upstream) {
    long start = System.nanoTime();
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setHost(upstream.host())
        .setPort(upstream.port())
        .setSsl(upstream.ssl())
        .setURI(upstream.basePath() + "/api/version")
        .setConnectTimeout(timeoutMillis)
        .setIdleTimeout(timeoutMillis);
    upstream.keys().stream().findFirst().ifPresent(k -> options.addHeader("Authorization", "Bearer " + k));
    // body() in the callback that receives the response, as in UpstreamRegistry
    return client.request(options)
        .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode())))
        .map(status -> new Result(upstream.name(), upstream.displayUrl(), true, millisSince(start), null))
        .otherwise(err -> new Result(upstream.name(), upstream.displayUrl(), false, millisSince(start),
            describe(err)));
  }

  private static long millisSince(long start) {
    return (System.nanoTime() - start) / 1_000_000;
  }

  /** A short, secret-free description of a connection failure. */
  public static String describe(Throwable err) {
    String message = err.getMessage();
    String kind = err.getClass().getSimpleName();
    return message == null || message.isBlank() ? kind : message;
  }
}
