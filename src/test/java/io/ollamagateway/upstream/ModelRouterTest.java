package io.ollamagateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.api.ApiError;
import io.ollamagateway.config.UpstreamConfig;
import io.ollamagateway.config.UpstreamPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Routing decisions on a registry whose state the test sets (no network). */
class ModelRouterTest {

  private final Vertx vertx = Vertx.vertx();
  private final AtomicLong clock = new AtomicLong(5_000_000);

  @AfterEach
  void close() throws Exception {
    vertx.close().await(5, TimeUnit.SECONDS);
  }

  private UpstreamRegistry registry(UpstreamConfig... upstreams) {
    return new UpstreamRegistry(vertx, vertx.createHttpClient(), List.of(upstreams), UpstreamPolicy.defaults(),
        clock::get, Duration.ofSeconds(1));
  }

  private static UpstreamConfig upstream(String name, int weight, String... keys) {
    return UpstreamConfig.parse(name, "http://127.0.0.1:9", List.of(keys)).withRouting(weight, 0, 10, List.of());
  }

  private static void models(Upstream upstream, Set<String> loaded, String... names) {
    Map<String, JsonObject> entries = new java.util.LinkedHashMap<>();
    for (String name : names) {
      entries.put(Upstream.normalize(name), new JsonObject().put("name", name));
    }
    upstream.catalogue(entries);
    upstream.loadedModels(loaded);
  }

  private static String chosen(Future<Target> target) {
    assertThat(target.succeeded()).as("%s", target.cause()).isTrue();
    target.result().lease().release();
    return target.result().upstream().name();
  }

  @Test
  void anUpstreamWithTheModelLoadedWinsOverAHeavierOne() {
    UpstreamRegistry registry = registry(upstream("big", 10), upstream("small", 1));
    List<Upstream> all = registry.snapshot().upstreams();
    models(all.get(0), Set.of(), "llama3.2:latest");
    models(all.get(1), Set.of("llama3.2:latest"), "llama3.2:latest");
    ModelRouter router = new ModelRouter(registry);
    assertThat(chosen(router.select(new Attempt("llama3.2", "c", Set.of())))).isEqualTo("small");
  }

  @Test
  void withoutLoadedModelsTheFewestInFlightPerWeightWins() {
    UpstreamRegistry registry = registry(upstream("a", 1), upstream("b", 3));
    List<Upstream> all = registry.snapshot().upstreams();
    models(all.get(0), Set.of(), "m:latest");
    models(all.get(1), Set.of(), "m:latest");
    ModelRouter router = new ModelRouter(registry);
    // idle: the heavier one first; then a (0 in flight) before b (1 of weight 3), then b (1/3) before a (1/1)
    Future<Target> first = router.select(new Attempt("m", "c", Set.of()));
    assertThat(first.result().upstream().name()).isEqualTo("b");
    Future<Target> second = router.select(new Attempt("m", "c", Set.of()));
    assertThat(second.result().upstream().name()).isEqualTo("a");
    Future<Target> third = router.select(new Attempt("m", "c", Set.of()));
    assertThat(third.result().upstream().name()).isEqualTo("b");
  }

  @Test
  void unhealthyAndExcludedUpstreamsAreSkippedAndAnUnknownModelIs404() {
    UpstreamRegistry registry = registry(upstream("a", 5), upstream("b", 1));
    List<Upstream> all = registry.snapshot().upstreams();
    models(all.get(0), Set.of(), "m:latest");
    models(all.get(1), Set.of(), "m:latest");
    ModelRouter router = new ModelRouter(registry);
    assertThat(chosen(router.select(new Attempt("m", "c", Set.of("a"))))).isEqualTo("b");
    all.get(0).unhealthy("down", clock.get());
    assertThat(chosen(router.select(new Attempt("m", "c", Set.of())))).isEqualTo("b");

    Future<Target> unknown = router.select(new Attempt("other", "c", Set.of()));
    assertThat(((ApiError) unknown.cause()).status()).isEqualTo(404);
    assertThat(unknown.cause().getMessage()).isEqualTo("model 'other' not found");
  }

  @Test
  void modelPatternsDecideWithoutACatalogue() {
    UpstreamRegistry registry = registry(
        upstream("local", 1).withRouting(1, 0, 10, List.of("llama*")),
        upstream("cloud", 1, "key-aaaaaaaa").withRouting(1, 0, 10, List.of("*-cloud", "gpt-oss:*")));
    ModelRouter router = new ModelRouter(registry);
    assertThat(chosen(router.select(new Attempt("gpt-oss:120b", "c", Set.of())))).isEqualTo("cloud");
    assertThat(chosen(router.select(new Attempt("qwen3-coder:480b-cloud", "c", Set.of())))).isEqualTo("cloud");
    assertThat(chosen(router.select(new Attempt("llama3.2", "c", Set.of())))).isEqualTo("local");
  }

  @Test
  void whenEveryKeyCoolsDownTheEarliestRetryAfterIsGiven() {
    UpstreamRegistry registry = registry(upstream("one", 1, "key-aaaaaaaa"), upstream("two", 1, "key-bbbbbbbb"));
    List<Upstream> all = registry.snapshot().upstreams();
    models(all.get(0), Set.of(), "m:latest");
    models(all.get(1), Set.of(), "m:latest");
    all.get(0).keys().rateLimited(0, Duration.ofSeconds(30), "quota");
    all.get(1).keys().rateLimited(0, Duration.ofMillis(4500), "quota");
    ModelRouter router = new ModelRouter(registry);
    Future<Target> refused = router.select(new Attempt("m", "c", Set.of()));
    ApiError error = (ApiError) refused.cause();
    assertThat(error.status()).isEqualTo(429);
    assertThat(error.headers()).containsEntry("Retry-After", "5");

    clock.addAndGet(4500);
    Future<Target> after = router.select(new Attempt("m", "c", Set.of()));
    assertThat(after.result().keyIndex()).isZero();
    assertThat(after.result().key()).hasValue("key-bbbbbbbb");
    assertThat(after.result().toString()).doesNotContain("key-bbbbbbbb");
  }
}
