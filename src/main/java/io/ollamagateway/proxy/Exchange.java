package io.ollamagateway.proxy;

import io.ollamagateway.auth.Principal;
import io.ollamagateway.upstream.Target;
import io.vertx.core.http.HttpServerRequest;

/**
 * One proxied request as it moves through the pipeline: what was called, by whom, with which body, and
 * where it went. Each stage fills in its part.
 *
 * <p>Confined to the event loop of the client's connection: no stage may touch it from another thread.
 */
public final class Exchange {

  private final HttpServerRequest request;
  private final String path;
  private final Endpoint endpoint;
  private final String requestId;
  private final long startNanos = System.nanoTime();
  private Principal principal;
  private RequestBody body;
  private Target target;
  private long firstByteNanos;
  private boolean clientGone;
  private Runnable onCancel;
  private boolean finished;
  private boolean usageRequested;
  private ExchangeTrace trace = ExchangeTrace.NONE;
  private InFlightBodies heldFrom;
  private long heldBytes;
  private boolean admitted;
  private String alias;
  private String targetModel;
  private OpenAiTranslation translation;
  private Object attachment;
  private long cachedTokens;

  Exchange(HttpServerRequest request, String path, Endpoint endpoint, String requestId) {
    this.request = request;
    this.path = path;
    this.endpoint = endpoint;
    this.requestId = requestId;
  }

  /** The exchange's trace; {@link ExchangeTrace#NONE} while tracing is off. */
  public ExchangeTrace trace() {
    return trace;
  }

  /** Sets the exchange's trace: a tracer's {@link ExchangeListener#onStart} does. */
  public void trace(ExchangeTrace trace) {
    this.trace = trace;
  }

  /** The request's id ({@link io.ollamagateway.api.RequestId}), as the client and the upstream see it. */
  public String requestId() {
    return requestId;
  }

  public HttpServerRequest request() {
    return request;
  }

  /** The canonical upstream path, without the query. */
  public String path() {
    return path;
  }

  public Endpoint endpoint() {
    return endpoint;
  }

  public long startNanos() {
    return startNanos;
  }

  /** The caller, once authenticated; {@code null} before. */
  public Principal principal() {
    return principal;
  }

  void principal(Principal principal) {
    this.principal = principal;
  }

  /** The buffered body, or {@code null} for bodiless and streamed requests. */
  public RequestBody body() {
    return body;
  }

  void body(RequestBody body) {
    this.body = body;
  }

  /**
   * Replaces the body sent upstream (a stage that adds what the gateway needs, such as usage reporting).
   * The fields read from the original body stay as they were.
   */
  public void replaceBody(io.vertx.core.buffer.Buffer bytes) {
    this.body = body.withBytes(bytes);
  }

  /** Marks that the gateway asked the upstream for a usage chunk the client did not ask for. */
  public void markUsageRequested() {
    this.usageRequested = true;
  }

  /** Whether the answer carries a usage chunk the client must not see. */
  public boolean usageRequested() {
    return usageRequested;
  }

  /** Marks that the request passed admission: it counts against its caller's request limits. */
  public void markAdmitted() {
    this.admitted = true;
  }

  /** Whether the request passed admission (refused requests did not). */
  public boolean admitted() {
    return admitted;
  }

  /** The model the request names, or {@code null}. */
  public String model() {
    return body == null ? null : body.model();
  }

  /**
   * The alias the request named ({@link io.ollamagateway.routing.Alias}), whose answer must name it; or
   * {@code null} when the model is not an alias.
   */
  public String alias() {
    return alias;
  }

  /** The model sent to the upstream for an alias (the current target's), or {@code null} without an alias. */
  public String targetModel() {
    return targetModel;
  }

  /** Marks the exchange as routed by an alias to a target's model; the body is rewritten by the caller. */
  void aliasTarget(String alias, String targetModel) {
    this.alias = alias;
    this.targetModel = targetModel;
  }

  /**
   * What an {@link AnswerSource} attached for its response tap (such as the inputs a cache still needs), or
   * {@code null}.
   */
  public Object attachment() {
    return attachment;
  }

  public void attach(Object attachment) {
    this.attachment = attachment;
  }

  /** Tokens of the inputs answered from the embeddings cache (estimated): not upstream tokens. */
  public long cachedTokens() {
    return cachedTokens;
  }

  public void cachedTokens(long tokens) {
    this.cachedTokens = tokens;
  }

  /** The translation of the current attempt to an OpenAI-compatible upstream, or {@code null}. */
  OpenAiTranslation translation() {
    return translation;
  }

  void translation(OpenAiTranslation translation) {
    this.translation = translation;
  }

  /** Where the request went, or {@code null} before routing. */
  public Target target() {
    return target;
  }

  void target(Target target) {
    this.target = target;
  }

  /** Nanoseconds from start to the first byte of the answer sent to the client, or 0. */
  public long firstByteNanos() {
    return firstByteNanos;
  }

  void markFirstByte() {
    if (firstByteNanos == 0) {
      firstByteNanos = System.nanoTime() - startNanos;
    }
  }

  /** Whether the client closed its connection before the answer was complete. */
  public boolean clientGone() {
    return clientGone;
  }

  /**
   * The client went away: remembers it and runs the cancel action of the attempt under way, if any, which
   * aborts the upstream request at once.
   */
  void cancel() {
    if (clientGone) {
      return;
    }
    clientGone = true;
    Runnable action = onCancel;
    onCancel = null;
    if (action != null) {
      action.run();
    }
  }

  /** Sets what {@link #cancel()} does for the attempt under way; {@code null} clears it. */
  void onCancel(Runnable action) {
    this.onCancel = action;
  }

  /** Counts {@code bytes} of the buffered body as held from {@code pool} until the exchange is over. */
  void holdBytes(InFlightBodies pool, long bytes) {
    heldFrom = pool;
    heldBytes += bytes;
  }

  /** Gives back the bytes the buffered body held. */
  void releaseBytes() {
    if (heldFrom != null && heldBytes > 0) {
      heldFrom.giveBack(heldBytes);
      heldBytes = 0;
    }
  }

  /** Marks the exchange finished; true only the first time, so that it is logged and settled once. */
  boolean finish() {
    if (finished) {
      return false;
    }
    finished = true;
    return true;
  }
}
