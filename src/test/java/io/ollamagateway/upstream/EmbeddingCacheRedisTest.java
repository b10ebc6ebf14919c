package io.ollamagateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.emulator.EmulatorOptions;
import io.ollamagateway.emulator.OllamaEmulator;
import io.ollamagateway.testing.RedisSupport;
import io.vertx.core.Vertx;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With REDIS_URL the embeddings cache is in Redis, with the TTL, and a second gateway instance gets the hits. */
class EmbeddingCacheRedisTest {

  @TempDir
  Path dir;

  private final Vertx vertx = Vertx.vertx();
  private UpstreamsFixture first;
  private UpstreamsFixture second;
  private OllamaEmulator emulator;

  @AfterEach
  void close() throws Exception {
    if (second != null) {
      second.close();
    }
    if (first != null) {
      first.close();
    }
    if (emulator != null) {
      emulator.stop().await(10, TimeUnit.SECONDS);
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private UpstreamsFixture gateway(Path where, String prefix, String url) throws Exception {
    Files.createDirectories(where);
    UpstreamsFixture fixture = new UpstreamsFixture(where).set("REDIS_URL", RedisSupport.URL)
        .set("REDIS_KEY_PREFIX", prefix).set("EMBED_CACHE_TTL", "1h");
    fixture.start("""
        upstreams:
          - {name: local, url: "%s"}
        """.formatted(url));
    return fixture;
  }

  @Test
  void entriesLiveInRedisWithTheTtlAndServeEveryInstance() throws Exception {
    RedisAPI redis = RedisSupport.connect(vertx);
    String prefix = "test-emb-" + System.nanoTime() + ":";
    emulator = OllamaEmulator.start(EmulatorOptions.defaults()).await(10, TimeUnit.SECONDS);
    first = gateway(dir.resolve("a"), prefix, emulator.url());
    String body = "{\"model\":\"nomic-embed-text\",\"input\":\"shared text\"}";
    assertThat(first.post("/api/embed", body).headers().firstValue("X-Gateway-Cache")).hasValue("miss");

    Response keys = redis.keys(prefix + "emb:*").await(5, TimeUnit.SECONDS);
    assertThat(keys.size()).isEqualTo(1);
    long ttl = redis.pttl(keys.get(0).toString()).await(5, TimeUnit.SECONDS).toLong();
    assertThat(ttl).isPositive().isLessThanOrEqualTo(3_600_000L);

    second = gateway(dir.resolve("b"), prefix, emulator.url());
    long before = emulator.stats().requests();
    assertThat(second.post("/api/embed", body).headers().firstValue("X-Gateway-Cache")).hasValue("hit");
    assertThat(emulator.stats().requests()).isEqualTo(before);
    redis.del(List.of(keys.get(0).toString())).await(5, TimeUnit.SECONDS);
  }
}
