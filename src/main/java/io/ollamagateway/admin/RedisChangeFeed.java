package io.ollamagateway.admin;

import io.ollamagateway.auth.ApiKeyAuthenticator;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells every gateway instance sharing a Redis at once when a user or key changed through one of them: the
 * change is published on a channel ({@code <prefix>identity-changes}, messages {@code key:12} or
 * {@code user:7}) and each instance drops what it cached about it. The store's change poll stays behind it
 * for messages lost while Redis was away, and for changes made by the CLI.
 *
 * <p>Publishing is asynchronous and may be called from any thread; messages are handled on an event loop.
 */
public final class RedisChangeFeed implements IdentityService.Invalidation {

  private static final Logger LOG = LoggerFactory.getLogger(RedisChangeFeed.class);
  private static final long RECONNECT_MILLIS = 1_000;

  private final Vertx vertx;
  private final Redis subscriber;
  private final RedisAPI publisher;
  private final String channel;
  private volatile ApiKeyAuthenticator target;
  private volatile RedisConnection connection;
  private volatile boolean closed;

  /**
   * @param url the Redis to use, {@code REDIS_URL}
   * @param keyPrefix {@code REDIS_KEY_PREFIX}, which names the channel
   * @param publisher the shared client that publishes
   */
  public RedisChangeFeed(Vertx vertx, String url, String keyPrefix, RedisAPI publisher) {
    this.vertx = vertx;
    this.subscriber = Redis.createClient(vertx, url);
    this.publisher = publisher;
    this.channel = keyPrefix + "identity-changes";
  }

  /** Starts listening; changes announced by other instances invalidate {@code authenticator}'s caches. */
  public void listen(ApiKeyAuthenticator authenticator) {
    this.target = authenticator;
    subscribe();
  }

  private void subscribe() {
    if (closed) {
      return;
    }
    subscriber.connect().onSuccess(conn -> {
      connection = conn;
      conn.handler(this::onMessage);
      conn.exceptionHandler(err -> LOG.warn("identity change feed: {}", err.getMessage()));
      conn.endHandler(v -> retry());
      conn.send(Request.cmd(Command.SUBSCRIBE).arg(channel)).onFailure(err -> retry());
    }).onFailure(err -> {
      LOG.warn("identity change feed cannot reach Redis ({}); changes arrive through the store's poll", err.getMessage());
      vertx.setTimer(RECONNECT_MILLIS, id -> subscribe());
    });
  }

  private void retry() {
    if (!closed) {
      vertx.setTimer(RECONNECT_MILLIS, id -> subscribe());
    }
  }

  private void onMessage(Response message) {
    if (message.size() < 3 || !"message".equals(message.get(0).toString())) {
      return;
    }
    String text = message.get(2).toString();
    ApiKeyAuthenticator authenticator = target;
    try {
      if (text.startsWith("key:")) {
        authenticator.invalidateKey(Long.parseLong(text.substring(4)));
      } else if (text.startsWith("user:")) {
        authenticator.invalidateUser(Long.parseLong(text.substring(5)));
      }
    } catch (NumberFormatException e) {
      LOG.debug("identity change feed: ignored message {}", text);
    }
  }

  @Override
  public void keyChanged(long keyId) {
    publish("key:" + keyId);
  }

  @Override
  public void userChanged(long userId) {
    publish("user:" + userId);
  }

  private void publish(String message) {
    publisher.publish(channel, message).onFailure(err -> LOG.warn("cannot announce an identity change on Redis "
        + "({}); other instances see it at their next store poll", err.getMessage()));
  }

  /** Stops listening. */
  public void close() {
    closed = true;
    RedisConnection conn = connection;
    if (conn != null) {
      conn.close();
    }
    subscriber.close();
  }
}
