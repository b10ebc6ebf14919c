package io.ollamagateway.security;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A client on a plain socket that sends exactly the bytes a test gives it (request target, headers and body
 * unchanged, no Content-Type added) and reads one answer, for hostile-input tests. A read that waits longer
 * than the socket timeout fails the test with {@link SocketTimeoutException}: a gateway that hangs a client
 * shows as a failure, not as a stuck build. Not thread-safe.
 */
final class Wire implements AutoCloseable {

  /** One answer: status, lower-case headers, body. */
  record Answer(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final Socket socket;
  private final InputStream in;

  private Wire(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new java.io.BufferedInputStream(socket.getInputStream());
  }

  static Wire connect(int port, int readTimeoutMillis) {
    try {
      Socket socket = new Socket();
      socket.setSoTimeout(readTimeoutMillis);
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      return new Wire(socket);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes raw bytes. */
  Wire write(byte[] bytes) {
    try {
      OutputStream out = socket.getOutputStream();
      out.write(bytes);
      out.flush();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Wire write(String latin1) {
    return write(latin1.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** A request head ending in the blank line; {@code headers} are whole lines. */
  static String head(String method, String target, String... headers) {
    StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (String header : headers) {
      head.append(header).append("\r\n");
    }
    return head.append("\r\n").toString();
  }

  /** A whole request with a body sent in one write; Content-Length is added. */
  Wire request(String method, String target, byte[] body, String... headers) {
    String[] all = java.util.Arrays.copyOf(headers, headers.length + 1);
    all[headers.length] = "Content-Length: " + body.length;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.writeBytes(head(method, target, all).getBytes(StandardCharsets.ISO_8859_1));
    bytes.writeBytes(body);
    return write(bytes.toByteArray());
  }

  Wire request(String method, String target, String body, String... headers) {
    return request(method, target, body.getBytes(StandardCharsets.UTF_8), headers);
  }

  /** Reads one answer (length-delimited, chunked, or to the end of the connection). */
  Answer read() {
    try {
      String status = line();
      Map<String, String> headers = new LinkedHashMap<>();
      for (String line = line(); !line.isEmpty(); line = line()) {
        int colon = line.indexOf(':');
        headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
      }
      byte[] body;
      if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int size = Integer.parseInt(line().split(";")[0].trim(), 16); size > 0;
            size = Integer.parseInt(line().split(";")[0].trim(), 16)) {
          out.writeBytes(in.readNBytes(size));
          line();
        }
        line();
        body = out.toByteArray();
      } else if (headers.containsKey("content-length")) {
        body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
      } else {
        body = in.readAllBytes();
      }
      return new Answer(Integer.parseInt(status.split(" ")[1]), headers, new String(body, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether the peer closed the connection (end of stream or reset) before the read timeout. */
  boolean closedByPeer() {
    try {
      while (true) {
        int b = in.read();
        if (b < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("connection closed before the end of a line");
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.ISO_8859_1);
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
