package io.ollamagateway.emulator;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * A fast, faithful stand-in for an Ollama server, for tests, the benchmark and newcomers without Ollama.
 *
 * <p>It serves the native chat, generate, embed, embeddings, tags, ps, show, version, pull, push, create,
 * copy, delete and blob routes and the OpenAI-compatible chat, completions, embeddings and models routes,
 * streaming and not, with the field names, content types and metrics of Ollama (see
 * {@code shared/reference/ollama-api.md}) and deterministic token counts ({@link FakeModel}). It can be made
 * slow, made to break mid-stream, and made to answer 429 or 401 for given keys ({@link EmulatorOptions}); at run
 * time, a key can be revoked ({@link #revokeKey}: 401 on every path, as the cloud answers a revoked key) or
 * refused one model ({@link #refuseModel}: 403 for that model only, as the cloud answers a model the account
 * may not use).
 * {@code GET /_emulator/stats} and {@link #stats()} tell what it saw.
 *
 * <p>Like Ollama (Go's gin and encoding/json), it routes on the percent-decoded path, matches top-level JSON
 * keys case-insensitively with the last duplicate winning, and reads a JSON body whatever its Content-Type,
 * so that a test shows what real Ollama would let through a gateway.
 *
 * <p>Every request is handled on the event loop of its connection; shared state is thread-safe.
 */
public final class OllamaEmulator {

  static final String VERSION = "0.12.6";
  private static final String RATE_LIMITED = "you've reached your hourly usage limit, please wait or upgrade to "
      + "continue";

  private final EmulatorOptions options;
  private final Vertx vertx;
  private final EmulatorStats stats = new EmulatorStats();
  private final Set<String> blobs = ConcurrentHashMap.newKeySet();
  private final Set<String> models;
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
  private final AtomicLong ids = new AtomicLong();
  private final Set<String> revokedKeys = ConcurrentHashMap.newKeySet();
  private final Set<String> refusedModels = ConcurrentHashMap.newKeySet();
  private volatile int failStatus;
  private volatile int port;

  private OllamaEmulator(EmulatorOptions options) {
    this.options = options;
    this.models = ConcurrentHashMap.newKeySet();
    this.models.addAll(options.models());
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(options.eventLoops()));
  }

  /** Starts an emulator and completes once it listens. */
  public static Future<OllamaEmulator> start(EmulatorOptions options) {
    OllamaEmulator emulator = new OllamaEmulator(options);
    // port 0 is chosen once so that the instances share it (see Gateway)
    int listenPort = options.port() == 0 ? io.ollamagateway.server.FreePort.find(options.host()) : options.port();
    return emulator.vertx.deployVerticle(() -> emulator.new Server(listenPort),
            new DeploymentOptions().setInstances(Math.max(1, options.eventLoops())))
        .map(id -> emulator.port = emulator.servers.get(0).actualPort())
        .map(emulator);
  }

  public int port() {
    return port;
  }

  /** {@code http://host:port}. */
  public String url() {
    return "http://" + options.host() + ":" + port;
  }

  public EmulatorStats stats() {
    return stats;
  }

  /**
   * From now on every POST (generations, embeddings...) is answered with {@code status} and an error, as a
   * failing (500) or overloaded (503, Ollama's "server busy") server answers; 0 serves them again. Model lists
   * and health checks still answer, so the server looks healthy: only its answers fail.
   */
  public void failWith(int status) {
    this.failStatus = status;
  }

  /** From now on {@code key} gets 401 on every path, {@code /api/tags} included: a revoked cloud key. */
  public void revokeKey(String key) {
    revokedKeys.add(key);
  }

  /**
   * From now on a request with {@code key} (or with any key, when {@code key} is null) that names {@code model}
   * gets 403, and every other request with the key is served: a model the cloud account may not use.
   */
  public void refuseModel(String key, String model) {
    refusedModels.add((key == null ? "" : key) + "\n" + withTag(model));
  }

  /** Stops listening and drops every connection. */
  public Future<Void> stop() {
    return vertx.close();
  }

  private final class Server extends VerticleBase {
    private final int listenPort;

    Server(int listenPort) {
      this.listenPort = listenPort;
    }

    @Override
    public Future<?> start() {
      return vertx.createHttpServer(new HttpServerOptions().setHost(options.host()).setPort(listenPort)
              .setTcpNoDelay(true))
          .requestHandler(OllamaEmulator.this::handle)
          .listen()
          .onSuccess(servers::add);
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // dispatch

  private void handle(HttpServerRequest request) {
    stats.requests.incrementAndGet();
    stats.active.incrementAndGet();
    HttpServerResponse response = request.response();
    response.endHandler(v -> stats.active.decrementAndGet());
    String key = bearer(request.headers());
    if (key != null) {
      stats.byKey.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
    }
    if (!options.requiredKeys().isEmpty() && (key == null || !options.requiredKeys().contains(key))) {
      error(request, 401, "unauthorized");
      return;
    }
    if (key != null && revokedKeys.contains(key)) {
      error(request, 401, "unauthorized");
      return;
    }
    if (key != null && options.rateLimitedKeys().contains(key)) {
      error(request, 429, RATE_LIMITED);
      return;
    }
    String path = decodedPath(request);
    HttpMethod method = request.method();
    if (options.openAiOnly() && !path.startsWith("/v1/")) {
      // as vLLM answers a route it does not have
      request.response().setStatusCode(404).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end(new JsonObject().put("detail", "Not Found").encode());
      return;
    }
    if (path.startsWith("/api/blobs/")) {
      blob(request, path.substring("/api/blobs/".length()));
      return;
    }
    if (method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS) {
      record(request, "");
      get(request, path);
      return;
    }
    request.body().onSuccess(body -> {
      record(request, body.toString());
      int failing = failStatus;
      if (failing != 0) {
        error(request, failing, failing == 503 ? "server busy, please try again.  maximum pending requests exceeded"
            : "llama runner process has terminated: exit status 2");
        return;
      }
      JsonObject json;
      try {
        json = body.length() == 0 ? new JsonObject() : asGoReadsIt(parse(body));
      } catch (DecodeException | ClassCastException | java.io.IOException e) {
        error(request, 400, "invalid character in JSON body");
        return;
      }
      if (refused(key, json)) {
        error(request, 403, "this model requires a subscription, upgrade for access: https://ollama.com/upgrade");
        return;
      }
      post(request, path, json, new Timing(request.headers(), options));
    });
  }

  private boolean refused(String key, JsonObject body) {
    if (refusedModels.isEmpty() || !(body.getValue("model") instanceof String model)) {
      return false;
    }
    String name = withTag(model);
    return refusedModels.contains("\n" + name) || (key != null && refusedModels.contains(key + "\n" + name));
  }

  private void record(HttpServerRequest request, String body) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(request.headers());
    stats.last.set(new EmulatorStats.SeenRequest(request.method().name(), request.uri(), headers, body));
  }

  private void get(HttpServerRequest request, String path) {
    switch (path) {
      case "/" -> request.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
          .end("Ollama is running");
      case "/api/version" -> json(request, 200, new JsonObject().put("version", VERSION));
      case "/api/tags" -> json(request, 200, new JsonObject().put("models", modelList(false)));
      case "/api/ps" -> json(request, 200, new JsonObject().put("models", modelList(true)));
      case "/v1/models" -> json(request, 200, new JsonObject().put("object", "list").put("data", openAiModels()));
      case "/_emulator/stats" -> json(request, 200, stats.toJson());
      default -> {
        if (path.startsWith("/v1/models/")) {
          String name = resolve(path.substring("/v1/models/".length()));
          if (name == null) {
            error(request, 404, "model '" + path.substring("/v1/models/".length()) + "' not found");
          } else {
            json(request, 200, openAiModel(name));
          }
        } else {
          notFound(request);
        }
      }
    }
  }

  private void post(HttpServerRequest request, String path, JsonObject body, Timing timing) {
    String embedMillis = request.getHeader("X-Emulator-Embed-Ms");
    if (embedMillis != null && path.contains("embed")) {
      // the time an embedding model takes: for benchmarks of the embeddings cache
      long millis;
      try {
        millis = Math.max(0, Math.min(60_000, Long.parseLong(embedMillis.trim())));
      } catch (NumberFormatException e) {
        millis = 0;
      }
      later(millis, () -> embeddings(request, path, body));
      return;
    }
    if (path.contains("embed")) {
      embeddings(request, path, body);
      return;
    }
    switch (path) {
      case "/api/generate", "/api/chat" -> nativeGeneration(request, path.equals("/api/chat"), body, timing);
      case "/v1/chat/completions", "/v1/completions" ->
          openAiGeneration(request, path.equals("/v1/chat/completions"), body, timing);
      case "/api/show" -> withModel(request, body, model -> json(request, 200, new JsonObject()
          .put("modelfile", "FROM " + model)
          .put("parameters", "stop \"<|eot_id|>\"")
          .put("template", "{{ .Prompt }}")
          .put("details", details())
          .put("model_info", new JsonObject().put("general.architecture", "llama"))
          .put("capabilities", new JsonArray().add("completion"))));
      case "/api/pull", "/api/push", "/api/create" -> progress(request, body, timing);
      case "/api/delete" -> withModel(request, body, model -> request.response().end());
      case "/api/copy" -> {
        String source = resolve(body.getString("source"));
        if (source == null) {
          error(request, 404, "model '" + body.getString("source") + "' not found");
        } else {
          models.add(withTag(body.getString("destination", "copy")));
          request.response().setStatusCode(200).end();
        }
      }
      default -> notFound(request);
    }
  }

  private void embeddings(HttpServerRequest request, String path, JsonObject body) {
    switch (path) {
      case "/api/embed" -> withModel(request, body, model -> json(request, 200, new JsonObject()
          .put("model", model)
          .put("embeddings", embeddings(body.getValue("input")))
          .put("total_duration", 14_143_917L)
          .put("load_duration", 1_019_500L)
          .put("prompt_eval_count", FakeModel.inputTokens(body.getValue("input")))));
      case "/api/embeddings" -> withModel(request, body, model -> json(request, 200,
          new JsonObject().put("embedding", FakeModel.embedding(body.getString("prompt")))));
      case "/v1/embeddings" -> withModel(request, body, model -> {
        int tokens = FakeModel.inputTokens(body.getValue("input"));
        JsonArray data = new JsonArray();
        JsonArray vectors = embeddings(body.getValue("input"));
        for (int i = 0; i < vectors.size(); i++) {
          data.add(new JsonObject().put("object", "embedding").put("embedding", vectors.getValue(i)).put("index", i));
        }
        json(request, 200, new JsonObject().put("object", "list").put("data", data).put("model", model)
            .put("usage", new JsonObject().put("prompt_tokens", tokens).put("total_tokens", tokens)));
      });
      default -> notFound(request);
    }
  }

  private void notFound(HttpServerRequest request) {
    request.response().setStatusCode(404).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain").end("404 page not found");
  }

  // ---------------------------------------------------------------------------------------------------------
  // generation

  private void nativeGeneration(HttpServerRequest request, boolean chat, JsonObject body, Timing timing) {
    withModel(request, body, model -> {
      boolean stream = body.getBoolean("stream", true);
      int prompt = chat ? FakeModel.chatPromptTokens(body) : FakeModel.generatePromptTokens(body);
      JsonObject opts = body.getJsonObject("options", new JsonObject());
      int cap = opts.getInteger("num_predict", -1);
      int completion = cap >= 0 ? Math.min(cap, timing.chunks) : timing.chunks;
      String doneReason = completion < timing.chunks ? "length" : "stop";
      IntFunction<JsonObject> piece = i -> {
        JsonObject chunk = new JsonObject().put("model", model).put("created_at", Instant.now().toString());
        String text = FakeModel.token(i, timing.chunkBytes);
        if (chat) {
          chunk.put("message", new JsonObject().put("role", "assistant").put("content", text));
        } else {
          chunk.put("response", text);
        }
        return chunk.put("done", false);
      };
      Supplier<JsonObject> last = () -> {
        JsonObject done = piece.apply(0).put("done", true).put("done_reason", doneReason)
            .put("total_duration", 4_883_583_458L).put("load_duration", 1_334_875L)
            .put("prompt_eval_count", prompt).put("prompt_eval_duration", 342_546_000L)
            .put("eval_count", completion).put("eval_duration", 4_535_599_000L);
        if (chat) {
          done.getJsonObject("message").put("content", "");
        } else {
          done.put("response", "").put("context", new JsonArray().add(1).add(2).add(3));
        }
        return done;
      };
      if (!stream) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < completion; i++) {
          text.append(FakeModel.token(i, timing.chunkBytes));
        }
        JsonObject answer = last.get();
        if (chat) {
          answer.getJsonObject("message").put("content", text.toString());
        } else {
          answer.put("response", text.toString());
        }
        later(timing.ttftMillis + timing.intervalMillis * completion, () -> json(request, 200, answer));
        return;
      }
      request.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/x-ndjson").setChunked(true);
      new StreamJob(request.response(), timing, completion,
          i -> line(piece.apply(i)),
          () -> line(last.get()),
          () -> line(new JsonObject().put("error", "an error was encountered while running the model: unexpected EOF")))
          .start();
    });
  }

  private void openAiGeneration(HttpServerRequest request, boolean chat, JsonObject body, Timing timing) {
    String requested = body.getString("model");
    String model = resolve(requested);
    if (model == null) {
      openAiError(request, 404, "model \"" + requested + "\" not found, try pulling it first");
      return;
    }
    boolean stream = body.getBoolean("stream", false);
    boolean includeUsage = body.getJsonObject("stream_options", new JsonObject()).getBoolean("include_usage", false);
    int prompt;
    if (chat) {
      prompt = FakeModel.chatPromptTokens(body);
    } else {
      prompt = FakeModel.generatePromptTokens(body.getValue("prompt") instanceof String p ? p : "", null);
    }
    Integer maxTokens = body.getInteger("max_tokens", body.getInteger("max_completion_tokens"));
    int completion = maxTokens != null && maxTokens >= 0 ? Math.min(maxTokens, timing.chunks) : timing.chunks;
    String finish = completion < timing.chunks ? "length" : "stop";
    String id = (chat ? "chatcmpl-" : "cmpl-") + ids.incrementAndGet();
    long created = Instant.now().getEpochSecond();
    String object = chat ? (stream ? "chat.completion.chunk" : "chat.completion") : "text_completion";
    JsonObject usage = new JsonObject().put("prompt_tokens", prompt).put("completion_tokens", completion)
        .put("total_tokens", prompt + completion);
    IntFunction<JsonObject> base = i -> new JsonObject().put("id", id).put("object", object).put("created", created)
        .put("model", model).put("system_fingerprint", "fp_ollama");
    if (!stream) {
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < completion; i++) {
        text.append(FakeModel.token(i, timing.chunkBytes));
      }
      JsonObject choice = new JsonObject().put("index", 0).put("finish_reason", finish);
      if (chat) {
        choice.put("message", new JsonObject().put("role", "assistant").put("content", text.toString()));
      } else {
        choice.put("text", text.toString());
      }
      JsonObject answer = base.apply(0).put("choices", new JsonArray().add(choice)).put("usage", usage);
      later(timing.ttftMillis + timing.intervalMillis * completion, () -> json(request, 200, answer));
      return;
    }
    IntFunction<JsonObject> choice = i -> {
      JsonObject c = new JsonObject().put("index", 0);
      String text = i < 0 ? "" : FakeModel.token(i, timing.chunkBytes);
      if (chat) {
        c.put("delta", new JsonObject().put("role", "assistant").put("content", text));
      } else {
        c.put("text", text);
      }
      return c.put("finish_reason", i < 0 ? finish : null);
    };
    request.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream").putHeader("Cache-Control", "no-cache")
        .setChunked(true);
    new StreamJob(request.response(), timing, completion,
        i -> event(base.apply(i).put("choices", new JsonArray().add(choice.apply(i)))),
        () -> {
          Buffer end = event(base.apply(0).put("choices", new JsonArray().add(choice.apply(-1))));
          if (includeUsage) {
            end.appendBuffer(event(base.apply(0).put("choices", new JsonArray()).put("usage", usage)));
          }
          return end.appendString("data: [DONE]\n\n");
        },
        () -> event(new JsonObject().put("error", new JsonObject().put("message", "unexpected EOF")
            .put("type", "api_error").putNull("param").putNull("code"))))
        .start();
  }

  private void progress(HttpServerRequest request, JsonObject body, Timing timing) {
    String name = body.getString("model", body.getString("name"));
    if (name == null || name.isBlank()) {
      error(request, 400, "model is required");
      return;
    }
    if (decodedPath(request).equals("/api/push") && resolve(name) == null) {
      error(request, 404, "model '" + name + "' not found");
      return;
    }
    if (!decodedPath(request).equals("/api/push")) {
      models.add(withTag(name));
    }
    String[] steps = {"pulling manifest", "pulling 6a0746a1ec1a", "verifying sha256 digest", "writing manifest"};
    if (!body.getBoolean("stream", true)) {
      later(timing.ttftMillis, () -> json(request, 200, new JsonObject().put("status", "success")));
      return;
    }
    request.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/x-ndjson").setChunked(true);
    new StreamJob(request.response(), timing, steps.length,
        i -> line(i == 1
            ? new JsonObject().put("status", steps[i]).put("digest", "sha256:6a0746a1ec1a").put("total", 1000)
                .put("completed", 1000)
            : new JsonObject().put("status", steps[i])),
        () -> line(new JsonObject().put("status", "success")),
        () -> line(new JsonObject().put("error", "max retries exceeded: unexpected EOF")))
        .start();
  }

  /** Writes a stream chunk by chunk, at the configured pace and no faster than the reader takes it. */
  private final class StreamJob {
    private final HttpServerResponse response;
    private final Timing timing;
    private final int count;
    private final IntFunction<Buffer> chunk;
    private final Supplier<Buffer> last;
    private final Supplier<Buffer> failure;
    private int next;
    private boolean over;

    StreamJob(HttpServerResponse response, Timing timing, int count, IntFunction<Buffer> chunk,
        Supplier<Buffer> last, Supplier<Buffer> failure) {
      this.response = response;
      this.timing = timing;
      this.count = count;
      this.chunk = chunk;
      this.last = last;
      this.failure = failure;
    }

    void start() {
      stats.streamsStarted.incrementAndGet();
      response.closeHandler(v -> {
        if (!over) {
          over = true;
          stats.streamsCancelled.incrementAndGet();
        }
      });
      later(timing.ttftMillis, this::step);
    }

    private void step() {
      while (!over) {
        if (next == timing.failAfter) {
          over = true;
          response.end(failure.get());
          return;
        }
        if (next >= count) {
          over = true;
          // counted before the last chunk leaves: a client that has read it must find the stream counted
          stats.streamsCompleted.incrementAndGet();
          response.end(last.get());
          return;
        }
        response.write(chunk.apply(next++));
        stats.chunksWritten.incrementAndGet();
        if (timing.intervalMillis > 0) {
          vertx.setTimer(timing.intervalMillis, t -> step());
          return;
        }
        if (response.writeQueueFull()) {
          response.drainHandler(v -> step());
          return;
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // blobs

  private void blob(HttpServerRequest request, String digest) {
    if (request.method() == HttpMethod.HEAD) {
      request.response().setStatusCode(blobs.contains(digest) ? 200 : 404).end();
      return;
    }
    if (request.method() != HttpMethod.POST) {
      notFound(request);
      return;
    }
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    AtomicLong size = new AtomicLong();
    request.handler(buffer -> {
      sha.update(buffer.getBytes());
      size.addAndGet(buffer.length());
    });
    request.endHandler(v -> {
      record(request, "<" + size.get() + " bytes>");
      String actual = "sha256:" + HexFormat.of().formatHex(sha.digest());
      if (!actual.equals(digest)) {
        error(request, 400, "digest mismatch, expected \"" + digest + "\", got \"" + actual + "\"");
        return;
      }
      blobs.add(digest);
      request.response().setStatusCode(201).end();
    });
  }

  // ---------------------------------------------------------------------------------------------------------
  // helpers

  private void withModel(HttpServerRequest request, JsonObject body, java.util.function.Consumer<String> action) {
    String requested = body.getString("model", body.getString("name"));
    if (requested == null || requested.isBlank()) {
      error(request, 400, "model is required");
      return;
    }
    String model = resolve(requested);
    if (model == null) {
      error(request, 404, "model '" + requested + "' not found");
      return;
    }
    if (decodedPath(request).equals("/api/delete")) {
      models.remove(model);
      request.response().setStatusCode(200).end();
      return;
    }
    action.accept(model);
  }

  private String resolve(String name) {
    if (name == null) {
      return null;
    }
    String tagged = withTag(name);
    return models.contains(tagged) ? tagged : null;
  }

  private static String withTag(String name) {
    return name.contains(":") ? name : name + ":latest";
  }

  private JsonArray modelList(boolean loaded) {
    JsonArray list = new JsonArray();
    models.stream().sorted().forEach(name -> {
      JsonObject model = new JsonObject().put("name", name).put("model", name).put("size", 2_019_393_189L)
          .put("digest", "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72").put("details", details());
      if (loaded) {
        model.put("size_vram", 2_019_393_189L).put("expires_at", Instant.now().plusSeconds(300).toString());
      } else {
        model.put("modified_at", "2025-01-01T00:00:00Z");
      }
      list.add(model);
    });
    return list;
  }

  private JsonArray openAiModels() {
    JsonArray data = new JsonArray();
    models.stream().sorted().forEach(name -> data.add(openAiModel(name)));
    return data;
  }

  private static JsonObject openAiModel(String name) {
    return new JsonObject().put("id", name).put("object", "model").put("created", 1_735_689_600L)
        .put("owned_by", "library");
  }

  private static JsonObject details() {
    return new JsonObject().put("parent_model", "").put("format", "gguf").put("family", "llama")
        .put("families", new JsonArray().add("llama")).put("parameter_size", "3.2B")
        .put("quantization_level", "Q4_K_M");
  }

  private static JsonArray embeddings(Object input) {
    JsonArray all = new JsonArray();
    if (input instanceof JsonArray array) {
      array.forEach(item -> all.add(FakeModel.embedding(String.valueOf(item))));
    } else {
      all.add(FakeModel.embedding(input == null ? "" : input.toString()));
    }
    return all;
  }

  private void later(long millis, Runnable action) {
    if (millis <= 0) {
      action.run();
    } else {
      vertx.setTimer(millis, t -> action.run());
    }
  }

  private static Buffer line(JsonObject object) {
    return object.toBuffer().appendByte((byte) '\n');
  }

  private static Buffer event(JsonObject object) {
    return Buffer.buffer("data: ").appendBuffer(object.toBuffer()).appendString("\n\n");
  }

  // Go's decoder has no string length limit: nor has this one (Jackson's default stops at 20M characters)
  private static final com.fasterxml.jackson.databind.ObjectMapper GO_LIKE = new com.fasterxml.jackson.databind
      .ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder().streamReadConstraints(
          com.fasterxml.jackson.core.StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
      .build());

  /** A JSON object body, as Go would read it (the last of exact duplicates wins). */
  @SuppressWarnings("unchecked")
  private static JsonObject parse(Buffer body) throws java.io.IOException {
    Object value = GO_LIKE.readValue(body.getBytes(), Object.class);
    return new JsonObject((java.util.Map<String, Object>) value); // a non-object fails with ClassCastException
  }

  /** The path as gin routes it: percent-decoded once (so {@code %2F} is a separator); undecodable stays raw. */
  static String decodedPath(HttpServerRequest request) {
    String raw = request.path();
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      int hi = c == '%' && i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
      int lo = hi >= 0 ? Character.digit(raw.charAt(i + 2), 16) : -1;
      if (lo < 0) {
        bytes.write(c);
      } else {
        bytes.write(hi * 16 + lo);
        i += 2;
      }
    }
    return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * A body's top-level keys as Go's decoder matches them to struct fields: case-insensitively (Unicode simple
   * folding), the last of two spellings winning (exact duplicates already kept the last when parsed).
   */
  static JsonObject asGoReadsIt(JsonObject body) {
    JsonObject folded = new JsonObject();
    body.forEach(entry -> {
      StringBuilder key = new StringBuilder();
      entry.getKey().codePoints().forEach(c -> key.appendCodePoint(Character.toLowerCase(Character.toUpperCase(c))));
      folded.remove(key.toString());
      folded.put(key.toString(), entry.getValue());
    });
    return folded;
  }

  private static void json(HttpServerRequest request, int status, JsonObject body) {
    request.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json; charset=utf-8")
        .end(body.toBuffer());
  }

  /** An error in the shape of the called API, as Ollama answers it. */
  private static void error(HttpServerRequest request, int status, String message) {
    if (decodedPath(request).startsWith("/v1/")) {
      openAiError(request, status, message);
    } else {
      json(request, status, new JsonObject().put("error", message));
    }
  }

  private static void openAiError(HttpServerRequest request, int status, String message) {
    String type = status == 404 ? "not_found_error" : status < 500 ? "invalid_request_error" : "api_error";
    json(request, status, new JsonObject().put("error", new JsonObject().put("message", message)
        .put("type", type).putNull("param").putNull("code")));
  }

  private static String bearer(MultiMap headers) {
    String auth = headers.get(HttpHeaders.AUTHORIZATION);
    if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return auth.substring(7).trim();
  }

  /** The pace of one answer: the emulator's options, overridden by the request's headers. */
  private static final class Timing {
    final int chunks;
    final long intervalMillis;
    final long ttftMillis;
    final int failAfter;
    final int chunkBytes;

    Timing(MultiMap headers, EmulatorOptions options) {
      chunks = (int) header(headers, "X-Emulator-Chunks", options.chunks());
      intervalMillis = header(headers, "X-Emulator-Interval-Ms", options.interval().toMillis());
      ttftMillis = header(headers, "X-Emulator-TTFT-Ms", options.ttft().toMillis());
      failAfter = (int) header(headers, "X-Emulator-Fail-After", options.failAfter());
      chunkBytes = (int) header(headers, "X-Emulator-Chunk-Bytes", 0);
    }

    private static long header(MultiMap headers, String name, long fallback) {
      String value = headers.get(name);
      if (value == null) {
        return fallback;
      }
      try {
        return Long.parseLong(value.trim());
      } catch (NumberFormatException e) {
        return fallback;
      }
    }
  }
}
