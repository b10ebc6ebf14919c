package io.ollamagateway.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * An upstream that starts an answer and dies: for every connection it reads the request, writes a 200 head
 * with the given content type and one chunk, then closes the socket without ending the chunked body.
 * Runs one daemon thread; stops when closed.
 */
public final class BrokenUpstream implements AutoCloseable {

  private final ServerSocket server;

  public BrokenUpstream(String contentType, String firstChunk) {
    try {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread thread = new Thread(() -> serve(contentType, firstChunk), "broken-upstream");
    thread.setDaemon(true);
    thread.start();
  }

  public String url() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  private void serve(String contentType, String firstChunk) {
    while (!server.isClosed()) {
      try (Socket socket = server.accept()) {
        readRequest(socket.getInputStream());
        byte[] chunk = firstChunk.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 200 OK\r\nContent-Type: " + contentType + "\r\nTransfer-Encoding: chunked\r\n\r\n"
            + Integer.toHexString(chunk.length) + "\r\n";
        socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().write(chunk);
        socket.getOutputStream().write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        Thread.sleep(100);
      } catch (IOException | InterruptedException e) {
        // closed, or the gateway went away: serve the next one
      }
    }
  }

  private static void readRequest(InputStream in) throws IOException {
    String head = readHead(in);
    if (head == null) {
      return;
    }
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        in.readNBytes(Integer.parseInt(line.substring(15).trim()));
      }
    }
  }

  /** A request's head, up to its blank line, or {@code null} if the stream ends first. Shared with ClosingUpstream. */
  static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      head.write(b);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
