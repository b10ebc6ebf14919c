package io.ollamagateway.proxy;

import io.ollamagateway.api.ApiFamily;
import io.vertx.core.http.HttpMethod;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The endpoint table: everything the gateway knows about each Ollama, OpenAI-compatible and
 * Anthropic-compatible route, in one place. Each row says
 * <ul>
 *   <li>which {@link #methods() methods} the route takes (any other gets 405 with {@code Allow}, never
 *       forwarded; {@code HEAD} is allowed wherever {@code GET} is);</li>
 *   <li>who may call it ({@link Access}: any key, or admins only);</li>
 *   <li>what it does for limits and metering ({@link Kind}: generations and embeddings are reserved, capped
 *       and metered; model lists are filtered by the caller's allowlist);</li>
 *   <li>how its body is read ({@link Body}: none, a JSON object parsed whatever the Content-Type, or a stream
 *       that is never buffered), and which body fields name models ({@link #modelFields()}), which of them
 *       the route cannot do without ({@link #requiredModelFields()}).</li>
 * </ul>
 * Rows are matched on the canonical path ({@link CanonicalPath}) by {@link #of}. A path under {@code /api/}
 * or {@code /v1/} that no row names is {@link #OTHER_NATIVE} or {@link #OTHER_OPENAI}: refused to everyone but
 * admins (404 in the called API's shape), and forwarded for admins with its body streamed, unread, so that
 * operators can use Ollama endpoints newer than this table.
 *
 * <p>This is the proxy half of the route table; the gateway's own routes are {@code server/Routes}, whose fast path
 * sends every path it does not claim here.
 * Immutable; safe on any thread.
 */
public enum Endpoint {
  GENERATE("/api/generate", Kind.GENERATES, Access.ANY, Body.JSON, List.of("model"), List.of("model"), post()),
  CHAT("/api/chat", Kind.GENERATES, Access.ANY, Body.JSON, List.of("model"), List.of("model"), post()),
  EMBED("/api/embed", Kind.EMBEDS, Access.ANY, Body.JSON, List.of("model"), List.of("model"), post()),
  EMBEDDINGS("/api/embeddings", Kind.EMBEDS, Access.ANY, Body.JSON, List.of("model"), List.of("model"), post()),
  TAGS("/api/tags", Kind.LISTS_MODELS, Access.ANY, Body.NONE, List.of(), List.of(), get()),
  SHOW("/api/show", Kind.PLAIN, Access.ANY, Body.JSON, List.of("model", "name"), List.of("model", "name"), post()),
  PS("/api/ps", Kind.LISTS_MODELS, Access.ANY, Body.NONE, List.of(), List.of(), get()),
  VERSION("/api/version", Kind.PLAIN, Access.ANY, Body.NONE, List.of(), List.of(), get()),
  PULL("/api/pull", Kind.PLAIN, Access.ADMIN, Body.JSON, List.of("model", "name"), List.of("model", "name"), post()),
  PUSH("/api/push", Kind.PLAIN, Access.ADMIN, Body.JSON, List.of("model", "name"), List.of("model", "name"), post()),
  CREATE("/api/create", Kind.PLAIN, Access.ADMIN, Body.JSON, List.of("model", "name", "from"),
      List.of("model", "name"), post()),
  COPY("/api/copy", Kind.PLAIN, Access.ADMIN, Body.JSON, List.of("source", "destination"),
      List.of("source", "destination"), post()),
  DELETE("/api/delete", Kind.PLAIN, Access.ADMIN, Body.JSON, List.of("model", "name"), List.of("model", "name"),
      EnumSet.of(Verb.DELETE)),
  /** {@code /api/blobs/{digest}}: a raw upload that can be gigabytes. */
  BLOBS("/api/blobs/", Kind.PLAIN, Access.ADMIN, Body.STREAMED, List.of(), List.of(),
      EnumSet.of(Verb.HEAD, Verb.POST)),
  WEB_SEARCH("/api/web_search", Kind.PLAIN, Access.ANY, Body.JSON, List.of(), List.of(), post()),
  WEB_FETCH("/api/web_fetch", Kind.PLAIN, Access.ANY, Body.JSON, List.of(), List.of(), post()),
  OPENAI_CHAT("/v1/chat/completions", Kind.GENERATES, Access.ANY, Body.JSON, List.of("model"), List.of("model"),
      post()),
  OPENAI_COMPLETIONS("/v1/completions", Kind.GENERATES, Access.ANY, Body.JSON, List.of("model"),
      List.of("model"), post()),
  OPENAI_EMBEDDINGS("/v1/embeddings", Kind.EMBEDS, Access.ANY, Body.JSON, List.of("model"), List.of("model"),
      post()),
  /** {@code GET /v1/models}, the list. */
  OPENAI_MODELS("/v1/models", Kind.LISTS_MODELS, Access.ANY, Body.NONE, List.of(), List.of(), get()),
  /** {@code GET /v1/models/{model}}: the model is the rest of the (decoded) path. */
  OPENAI_MODEL("/v1/models/", Kind.PLAIN, Access.ANY, Body.NONE, List.of(), List.of(), get()),
  OPENAI_RESPONSES("/v1/responses", Kind.GENERATES, Access.ANY, Body.JSON, List.of("model"), List.of("model"),
      post()),
  /** A multipart upload of audio: streamed, so its model field is not read (see {@link #modelsUnread()}). */
  OPENAI_TRANSCRIPTIONS("/v1/audio/transcriptions", Kind.PLAIN, Access.ANY, Body.STREAMED, List.of(),
      List.of(), post()),
  ANTHROPIC_MESSAGES("/v1/messages", Kind.GENERATES, Access.ANY, Body.JSON, List.of("model"), List.of("model"),
      post()),
  /** Any other path under {@code /api/}: admins only, body streamed unread. */
  OTHER_NATIVE("/api/", Kind.PLAIN, Access.ADMIN, Body.STREAMED, List.of(), List.of(), anyStandard()),
  /** Any other path under {@code /v1/}: admins only, body streamed unread. */
  OTHER_OPENAI("/v1/", Kind.PLAIN, Access.ADMIN, Body.STREAMED, List.of(), List.of(), anyStandard());

  /** What a route does, as far as limits, metering and model lists are concerned. */
  public enum Kind {
    /** Generates text: reserved (prompt estimate plus output cap), output capped, metered. */
    GENERATES,
    /** Embeds input: reserved (input estimate), metered. */
    EMBEDS,
    /** Answers a list of models, which the caller's allowlist filters. */
    LISTS_MODELS,
    /** Anything else: counted as a request, not metered. */
    PLAIN
  }

  /** Who may call a route. */
  public enum Access {
    ANY,
    ADMIN
  }

  /** How a route's request body is read. */
  public enum Body {
    /** No body is expected; one that comes anyway is refused (400). */
    NONE,
    /** A JSON object, buffered (up to {@code MAX_BODY_SIZE}) and parsed whatever the Content-Type says. */
    JSON,
    /** Streamed to the upstream as it arrives, never buffered nor read. */
    STREAMED
  }

  /** The methods of the table, a closed set: what is not here is never forwarded. */
  private enum Verb {
    GET, HEAD, POST, PUT, PATCH, DELETE
  }

  private static final Map<String, Endpoint> EXACT = new HashMap<>();

  static {
    for (Endpoint endpoint : values()) {
      if (!endpoint.path.endsWith("/")) {
        EXACT.put(endpoint.path, endpoint);
      }
    }
  }

  private final String path;
  private final Kind kind;
  private final Access access;
  private final Body body;
  private final List<String> modelFields;
  private final List<String> requiredModelFields;
  private final Set<HttpMethod> methods;
  private final String allow;
  private final ApiFamily family;

  Endpoint(String path, Kind kind, Access access, Body body, List<String> modelFields,
      List<String> requiredModelFields, Set<Verb> verbs) {
    this.path = path;
    this.kind = kind;
    this.access = access;
    this.body = body;
    this.modelFields = modelFields;
    this.requiredModelFields = requiredModelFields;
    this.methods = verbs.stream().map(v -> HttpMethod.valueOf(v.name())).collect(Collectors.toUnmodifiableSet());
    this.allow = verbs.stream().map(Verb::name).collect(Collectors.joining(", "));
    this.family = ApiFamily.ofPath(path);
  }

  private static Set<Verb> post() {
    return EnumSet.of(Verb.POST);
  }

  private static Set<Verb> get() {
    return EnumSet.of(Verb.GET, Verb.HEAD);
  }

  private static Set<Verb> anyStandard() {
    return EnumSet.allOf(Verb.class);
  }

  /** The row of a canonical path (one that starts with {@code /api/} or {@code /v1/}). */
  public static Endpoint of(String canonicalPath) {
    Endpoint exact = EXACT.get(canonicalPath);
    if (exact != null) {
      return exact;
    }
    if (canonicalPath.startsWith(BLOBS.path) && canonicalPath.length() > BLOBS.path.length()) {
      return BLOBS;
    }
    if (canonicalPath.startsWith(OPENAI_MODEL.path) && canonicalPath.length() > OPENAI_MODEL.path.length()) {
      return OPENAI_MODEL;
    }
    return canonicalPath.startsWith("/v1/") ? OTHER_OPENAI : OTHER_NATIVE;
  }

  /** Whether this row is a route the gateway knows, rather than {@link #OTHER_NATIVE} or {@link #OTHER_OPENAI}. */
  public boolean known() {
    return this != OTHER_NATIVE && this != OTHER_OPENAI;
  }

  /** Whether the route takes {@code method}. */
  public boolean allows(HttpMethod method) {
    return methods.contains(method);
  }

  /**
   * What a prefix route's path names after its prefix: the model of {@code /v1/models/{model}}, the digest of
   * {@code /api/blobs/{digest}}; {@code canonicalPath} is one this route was looked up for.
   */
  public String pathParameter(String canonicalPath) {
    return canonicalPath.substring(path.length());
  }

  /** The value of an {@code Allow} header for this route, such as {@code "GET, HEAD"}. */
  public String allowHeader() {
    return allow;
  }

  /** Admins only: model management (pull, push, create, copy, delete, blob uploads) and unknown paths. */
  public boolean adminOnly() {
    return access == Access.ADMIN;
  }

  public Kind kind() {
    return kind;
  }

  /** Generation and embedding routes: reserved against token budgets and metered. */
  public boolean metered() {
    return kind == Kind.GENERATES || kind == Kind.EMBEDS;
  }

  public Body body() {
    return body;
  }

  /** Bodies that can be gigabytes (blob uploads, audio, unknown routes): streamed, never buffered nor read. */
  public boolean streamedBody() {
    return body == Body.STREAMED;
  }

  /**
   * The top-level body fields that name a model (lower case, as the JSON is read case-insensitively), in order
   * of precedence: the first present is the model the request is routed by. Every one present is checked
   * against the caller's allowlist.
   */
  public List<String> modelFields() {
    return modelFields;
  }

  /**
   * The model fields the route cannot do without: when not empty, a body with none of them is refused (400);
   * {@link #COPY} needs both of its fields, every other route one of the list.
   */
  public List<String> requiredModelFields() {
    return requiredModelFields;
  }

  /** Whether every required model field must be present (rather than any one of them). */
  public boolean requiresAllModelFields() {
    return this == COPY;
  }

  /**
   * Whether the route names a model the gateway cannot read: a streamed multipart body. A key with a model
   * allowlist is refused such a route, since its allowlist could not be enforced.
   */
  public boolean modelsUnread() {
    return this == OPENAI_TRANSCRIPTIONS;
  }

  public ApiFamily family() {
    return family;
  }
}
