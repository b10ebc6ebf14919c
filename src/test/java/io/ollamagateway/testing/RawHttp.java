package io.ollamagateway.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.1 client on a plain socket, for tests that must control what is sent (hop-by-hop headers), how
 * fast the answer is read, or when the connection closes. Reads a chunked or length-delimited answer.
 * Not thread-safe; one request per instance.
 */
public final class RawHttp implements AutoCloseable {

  private final Socket socket;
  private final InputStream in;
  private int status;
  private final Map<String, String> headers = new LinkedHashMap<>();
  private boolean chunked;
  private long remaining = -1;

  private RawHttp(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new java.io.BufferedInputStream(socket.getInputStream(), 64 * 1024);
  }

  /**
   * Connects to 127.0.0.1:{@code port}.
   *
   * @param receiveBuffer the socket's receive buffer in bytes (small values keep the kernel from buffering
   *     much of an unread answer); 0 keeps the default
   */
  public static RawHttp connect(int port, int receiveBuffer) {
    try {
      Socket socket = new Socket();
      if (receiveBuffer > 0) {
        socket.setReceiveBufferSize(receiveBuffer);
      }
      socket.setSoTimeout(15_000);
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      return new RawHttp(socket);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends a request; {@code headerLines} are complete lines such as {@code "X-A: 1"}. */
  public RawHttp send(String method, String path, String body, String... headerLines) {
    StringBuilder head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n")
        .append("Host: 127.0.0.1:").append(socket.getPort()).append("\r\n");
    for (String line : headerLines) {
      head.append(line).append("\r\n");
    }
    byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    if (body != null) {
      head.append("Content-Type: application/json\r\nContent-Length: ").append(bytes.length).append("\r\n");
    }
    head.append("\r\n");
    try {
      OutputStream out = socket.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(bytes);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** Reads the status line and headers. */
  public RawHttp readHead() {
    String statusLine = line();
    status = Integer.parseInt(statusLine.split(" ")[1]);
    for (String line = line(); !line.isEmpty(); line = line()) {
      int colon = line.indexOf(':');
      headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
    }
    chunked = "chunked".equalsIgnoreCase(headers.get("transfer-encoding"));
    if (headers.containsKey("content-length")) {
      remaining = Long.parseLong(headers.get("content-length"));
    }
    return this;
  }

  public int status() {
    return status;
  }

  /** A response header by lower-case name, or {@code null}. */
  public String header(String name) {
    return headers.get(name.toLowerCase(Locale.ROOT));
  }

  /** The next piece of the body: one HTTP chunk, or the rest of a length-delimited body; null at the end. */
  public String nextChunk() {
    try {
      if (chunked) {
        String sizeLine = line();
        int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
        if (size == 0) {
          line();
          return null;
        }
        byte[] data = in.readNBytes(size);
        if (data.length < size) {
          throw new IOException("connection closed inside a chunk");
        }
        line();
        return new String(data, StandardCharsets.UTF_8);
      }
      if (remaining == 0) {
        return null;
      }
      byte[] data = remaining > 0 ? in.readNBytes((int) remaining) : in.readAllBytes();
      remaining = 0;
      return new String(data, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads the body to its end. */
  public String readBody() {
    StringBuilder body = new StringBuilder();
    for (String chunk = nextChunk(); chunk != null; chunk = nextChunk()) {
      body.append(chunk);
    }
    return body.toString();
  }

  private String line() {
    try {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) != '\n') {
        if (b < 0) {
          throw new IOException("connection closed before the end of a line");
        }
        if (b != '\r') {
          line.write(b);
        }
      }
      return line.toString(StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
