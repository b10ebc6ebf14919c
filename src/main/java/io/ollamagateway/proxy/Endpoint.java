package io.ollamagateway.proxy;

import io.ollamagateway.api.ApiFamily;
import java.util.Map;

/**
 * The Ollama routes the gateway knows by name, with what the gateway needs to know of each: the API family
 * (for error shapes), whether only admins may call it, and whether its body must stream through unbuffered.
 * Any other path under {@code /api/} or {@code /v1/} is {@link #OTHER_NATIVE} or {@link #OTHER_OPENAI} and is
 * forwarded as it is.
 */
public enum Endpoint {
  GENERATE("/api/generate"),
  CHAT("/api/chat"),
  EMBED("/api/embed"),
  EMBEDDINGS("/api/embeddings"),
  TAGS("/api/tags"),
  SHOW("/api/show"),
  PS("/api/ps"),
  VERSION("/api/version"),
  PULL("/api/pull", true, false),
  PUSH("/api/push", true, false),
  CREATE("/api/create", true, false),
  COPY("/api/copy", true, false),
  DELETE("/api/delete", true, false),
  BLOBS("/api/blobs/", true, true),
  WEB_SEARCH("/api/web_search"),
  WEB_FETCH("/api/web_fetch"),
  OPENAI_CHAT("/v1/chat/completions"),
  OPENAI_COMPLETIONS("/v1/completions"),
  OPENAI_EMBEDDINGS("/v1/embeddings"),
  OPENAI_MODELS("/v1/models"),
  OPENAI_RESPONSES("/v1/responses"),
  OPENAI_TRANSCRIPTIONS("/v1/audio/transcriptions", false, true),
  ANTHROPIC_MESSAGES("/v1/messages"),
  OTHER_NATIVE("/api/"),
  OTHER_OPENAI("/v1/");

  private static final Map<String, Endpoint> EXACT = Map.ofEntries(
      Map.entry(GENERATE.path, GENERATE), Map.entry(CHAT.path, CHAT), Map.entry(EMBED.path, EMBED),
      Map.entry(EMBEDDINGS.path, EMBEDDINGS), Map.entry(TAGS.path, TAGS), Map.entry(SHOW.path, SHOW),
      Map.entry(PS.path, PS), Map.entry(VERSION.path, VERSION), Map.entry(PULL.path, PULL),
      Map.entry(PUSH.path, PUSH), Map.entry(CREATE.path, CREATE), Map.entry(COPY.path, COPY),
      Map.entry(DELETE.path, DELETE), Map.entry(WEB_SEARCH.path, WEB_SEARCH),
      Map.entry(WEB_FETCH.path, WEB_FETCH), Map.entry(OPENAI_CHAT.path, OPENAI_CHAT),
      Map.entry(OPENAI_COMPLETIONS.path, OPENAI_COMPLETIONS), Map.entry(OPENAI_EMBEDDINGS.path, OPENAI_EMBEDDINGS),
      Map.entry(OPENAI_MODELS.path, OPENAI_MODELS), Map.entry(OPENAI_RESPONSES.path, OPENAI_RESPONSES),
      Map.entry(OPENAI_TRANSCRIPTIONS.path, OPENAI_TRANSCRIPTIONS),
      Map.entry(ANTHROPIC_MESSAGES.path, ANTHROPIC_MESSAGES));

  private final String path;
  private final boolean adminOnly;
  private final boolean streamedBody;
  private final ApiFamily family;

  Endpoint(String path) {
    this(path, false, false);
  }

  Endpoint(String path, boolean adminOnly, boolean streamedBody) {
    this.path = path;
    this.adminOnly = adminOnly;
    this.streamedBody = streamedBody;
    this.family = ApiFamily.ofPath(path);
  }

  /** The endpoint of a canonical path (one that starts with {@code /api/} or {@code /v1/}). */
  public static Endpoint of(String canonicalPath) {
    Endpoint exact = EXACT.get(canonicalPath);
    if (exact != null) {
      return exact;
    }
    if (canonicalPath.startsWith(BLOBS.path)) {
      return BLOBS;
    }
    if (canonicalPath.startsWith("/v1/models/")) {
      return OPENAI_MODELS;
    }
    return canonicalPath.startsWith("/v1/") ? OTHER_OPENAI : OTHER_NATIVE;
  }

  /** Model management routes: pull, push, create, copy, delete and blob uploads. */
  public boolean adminOnly() {
    return adminOnly;
  }

  /** Bodies that can be gigabytes (blob uploads, audio): they stream to the upstream, never buffered. */
  public boolean streamedBody() {
    return streamedBody;
  }

  public ApiFamily family() {
    return family;
  }
}
