package io.ollamagateway.openai;

import io.ollamagateway.openai.NativeRequest.Op;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Turns an OpenAI-compatible answer back into the native answer an Ollama client expects: a JSON answer
 * (chat completion, completion, embeddings, error) into Ollama's JSON, and a server-sent event stream into
 * Ollama's NDJSON stream, one line per content delta and a final {@code "done": true} line with the counts of the
 * server's usage chunk ({@code prompt_eval_count}, {@code eval_count}). Events are translated as they complete:
 * only an incomplete event is held.
 *
 * <p>One per answer; confined to the answer's event loop.
 */
public final class NativeAnswer {

  private final Op op;
  private final String model;
  private final StringBuilder pending = new StringBuilder();
  private String doneReason = "stop";
  private long promptTokens;
  private long completionTokens;
  private boolean finished;

  /** @param model the model name the client asked for, which every line names */
  public NativeAnswer(Op op, String model) {
    this.op = op;
    this.model = model;
  }

  /** The content type the client gets for an answer whose upstream content type is {@code upstream}. */
  public static String contentType(String upstream) {
    return upstream != null && upstream.startsWith("text/event-stream") ? "application/x-ndjson"
        : "application/json; charset=utf-8";
  }

  /** The NDJSON lines of the events this chunk completes (possibly empty). */
  public Buffer onStreamChunk(Buffer chunk) {
    pending.append(chunk.toString(StandardCharsets.UTF_8));
    Buffer out = Buffer.buffer();
    int end;
    while ((end = eventEnd()) >= 0) {
      String event = pending.substring(0, end);
      pending.delete(0, end);
      while (pending.length() > 0 && (pending.charAt(0) == '\n' || pending.charAt(0) == '\r')) {
        pending.deleteCharAt(0);
      }
      event(event, out);
    }
    return out;
  }

  /** The final line when the stream ended without {@code [DONE]}; {@code null} when it was sent. */
  public Buffer finish() {
    if (finished) {
      return null;
    }
    Buffer out = Buffer.buffer();
    if (pending.length() > 0) {
      event(pending.toString(), out);
      pending.setLength(0);
    }
    if (!finished) {
      out.appendBuffer(done());
    }
    return out;
  }

  private int eventEnd() {
    int lf = pending.indexOf("\n\n");
    int crlf = pending.indexOf("\r\n\r\n");
    return lf < 0 ? crlf : crlf < 0 ? lf : Math.min(lf, crlf);
  }

  private void event(String event, Buffer out) {
    for (String line : event.split("\r?\n")) {
      if (!line.startsWith("data:")) {
        continue;
      }
      String data = line.substring(5).trim();
      if (data.equals("[DONE]")) {
        if (!finished) {
          out.appendBuffer(done());
        }
        continue;
      }
      JsonObject json;
      try {
        json = new JsonObject(data);
      } catch (RuntimeException malformed) {
        continue;
      }
      if (json.getValue("error") != null) {
        out.appendBuffer(line(new JsonObject().put("error", errorMessage(json))));
        finished = true;
        continue;
      }
      counts(json.getJsonObject("usage"));
      JsonArray choices = json.getJsonArray("choices", new JsonArray());
      if (choices.isEmpty() || !(choices.getValue(0) instanceof JsonObject choice)) {
        continue;
      }
      if (choice.getString("finish_reason") != null) {
        doneReason = choice.getString("finish_reason");
      }
      String text = op == Op.CHAT ? choice.getJsonObject("delta", new JsonObject()).getString("content")
          : choice.getString("text");
      if (text != null && !text.isEmpty()) {
        JsonObject native_ = base().put("done", false);
        if (op == Op.CHAT) {
          native_.put("message", new JsonObject().put("role", "assistant").put("content", text));
        } else {
          native_.put("response", text);
        }
        out.appendBuffer(line(native_));
      }
    }
  }

  private Buffer done() {
    finished = true;
    JsonObject last = base();
    if (op == Op.CHAT) {
      last.put("message", new JsonObject().put("role", "assistant").put("content", ""));
    } else {
      last.put("response", "");
    }
    return line(last.put("done", true).put("done_reason", doneReason).put("prompt_eval_count", promptTokens)
        .put("eval_count", completionTokens));
  }

  /** A whole (non-streamed) answer: Ollama's JSON for a 200, {@code {"error": ...}} for anything else. */
  public Buffer whole(Buffer body, int status) {
    JsonObject json;
    try {
      json = new JsonObject(body);
    } catch (RuntimeException malformed) {
      return new JsonObject().put("error", status == 200 ? "the upstream's answer is not JSON"
          : body.toString(StandardCharsets.UTF_8).strip()).toBuffer();
    }
    if (status != 200 || json.getValue("error") != null) {
      return new JsonObject().put("error", errorMessage(json)).toBuffer();
    }
    counts(json.getJsonObject("usage"));
    if (op == Op.EMBED) {
      JsonArray vectors = new JsonArray();
      JsonArray data = json.getJsonArray("data", new JsonArray());
      JsonArray[] ordered = new JsonArray[data.size()];
      for (int i = 0; i < data.size(); i++) {
        JsonObject item = data.getJsonObject(i);
        int index = item.getInteger("index", i);
        ordered[index >= 0 && index < ordered.length ? index : i] = item.getJsonArray("embedding");
      }
      for (JsonArray vector : ordered) {
        vectors.add(vector == null ? new JsonArray() : vector);
      }
      return new JsonObject().put("model", model).put("embeddings", vectors).put("prompt_eval_count", promptTokens)
          .toBuffer();
    }
    JsonObject choice = json.getJsonArray("choices", new JsonArray()).isEmpty() ? new JsonObject()
        : json.getJsonArray("choices").getJsonObject(0);
    JsonObject answer = base();
    if (op == Op.CHAT) {
      JsonObject message = choice.getJsonObject("message", new JsonObject());
      JsonObject native_ = new JsonObject().put("role", "assistant").put("content", message.getString("content", ""));
      if (message.getValue("tool_calls") != null) {
        native_.put("tool_calls", message.getValue("tool_calls"));
      }
      answer.put("message", native_);
    } else {
      answer.put("response", choice.getString("text", ""));
    }
    return answer.put("done", true).put("done_reason", choice.getString("finish_reason", "stop"))
        .put("prompt_eval_count", promptTokens).put("eval_count", completionTokens).toBuffer();
  }

  private void counts(JsonObject usage) {
    if (usage != null) {
      promptTokens = usage.getLong("prompt_tokens", promptTokens);
      completionTokens = usage.getLong("completion_tokens", completionTokens);
    }
  }

  private JsonObject base() {
    return new JsonObject().put("model", model).put("created_at", Instant.now().toString());
  }

  private static String errorMessage(JsonObject json) {
    Object error = json.getValue("error");
    if (error instanceof JsonObject object) {
      return object.getString("message", object.encode());
    }
    return error == null ? json.encode() : error.toString();
  }

  private static Buffer line(JsonObject json) {
    return json.toBuffer().appendByte((byte) '\n');
  }
}
