package io.pulsarproxy.cli.perf;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keep-alive HTTP/1.1 connections on one selector thread, each with one POST in flight at a time (a
 * closed loop, like wrk). A load tool must cost less than the server it measures: the JDK's
 * HttpClient spent more CPU per request than the proxy did, so requests are prepared bytes and
 * responses are read only as far as the status line and the body's length.
 */
final class RawPublishers implements AutoCloseable {
  /** Supplies each request's bytes and hears each answer, on the selector thread. */
  interface Driver {
    /** The next request for connection {@code index}, or null to stop that connection. */
    byte[] next(int index);

    /** An answer's status (or -1 for a broken connection) and its latency. */
    void answered(int index, int status, long nanos);
  }

  private final Selector selector;
  private final Driver driver;
  private final Thread thread;
  private final AtomicInteger open = new AtomicInteger();
  private volatile boolean running = true;

  RawPublishers(InetSocketAddress server, int connections, Driver driver) throws IOException {
    this.selector = Selector.open();
    this.driver = driver;
    List<Connection> opened = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      SocketChannel channel = SocketChannel.open(server); // blocking connect, then non-blocking
      channel.configureBlocking(false);
      channel.socket().setTcpNoDelay(true);
      opened.add(new Connection(i, channel));
    }
    open.set(connections);
    for (Connection c : opened) {
      c.key = c.channel.register(selector, 0, c);
      send(c);
    }
    this.thread = new Thread(this::loop, "perf-publishers");
    thread.setDaemon(true);
    thread.start();
  }

  /** How many connections still have a request outstanding or more to send. */
  int open() {
    return open.get();
  }

  private void loop() {
    try {
      while (running && !selector.keys().isEmpty()) {
        selector.select(200);
        Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
          SelectionKey key = keys.next();
          keys.remove();
          handle((Connection) key.attachment());
        }
        selector.selectNow(); // let cancelled keys leave the key set
      }
    } catch (IOException e) {
      throw new IllegalStateException("perf selector failed", e);
    }
  }

  private void handle(Connection c) {
    try {
      if (c.key.isWritable()) {
        c.channel.write(c.out);
        if (!c.out.hasRemaining()) {
          c.key.interestOps(SelectionKey.OP_READ);
        }
      }
      if (c.key.isValid() && c.key.isReadable()) {
        read(c);
      }
    } catch (IOException | RuntimeException e) {
      fail(c);
    }
  }

  private void send(Connection c) throws IOException {
    byte[] request = driver.next(c.index);
    if (request == null) {
      c.key.cancel();
      c.channel.close();
      open.decrementAndGet();
      return;
    }
    c.out = ByteBuffer.wrap(request);
    c.sentAt = System.nanoTime();
    c.channel.write(c.out);
    c.key.interestOps(c.out.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
  }

  private void read(Connection c) throws IOException {
    if (c.filled == c.in.length) {
      c.in = java.util.Arrays.copyOf(c.in, c.in.length * 2);
    }
    int n = c.channel.read(ByteBuffer.wrap(c.in, c.filled, c.in.length - c.filled));
    if (n < 0) {
      fail(c);
      return;
    }
    c.filled += n;
    int length = responseLength(c.in, c.filled);
    if (length < 0 || c.filled < length) {
      return;
    }
    int status = parseStatus(c.in);
    System.arraycopy(c.in, length, c.in, 0, c.filled - length);
    c.filled -= length;
    driver.answered(c.index, status, System.nanoTime() - c.sentAt);
    send(c);
  }

  private void fail(Connection c) {
    if (!c.key.isValid()) {
      return;
    }
    open.decrementAndGet();
    c.key.cancel();
    try {
      c.channel.close();
    } catch (IOException e) {
      // closing anyway
    }
    driver.answered(c.index, -1, System.nanoTime() - c.sentAt);
  }

  /** The whole response's length once its head is in, or -1 while it is not. */
  private static int responseLength(byte[] buf, int filled) {
    int head = indexOf(buf, 0, filled, CRLFCRLF);
    if (head < 0) {
      return -1;
    }
    String headers = new String(buf, 0, head, StandardCharsets.ISO_8859_1).toLowerCase();
    int cl = headers.indexOf("\r\ncontent-length:");
    if (cl >= 0) {
      int end = headers.indexOf("\r\n", cl + 2);
      int value =
          Integer.parseInt(
              headers.substring(cl + 17, end < 0 ? headers.length() : end).strip(), 10);
      return head + 4 + value;
    }
    if (headers.contains("\r\ntransfer-encoding: chunked")) {
      int last = indexOf(buf, head + 4, filled, LAST_CHUNK);
      return last < 0 ? -1 : last + LAST_CHUNK.length;
    }
    return head + 4; // no body
  }

  private static int parseStatus(byte[] buf) {
    // "HTTP/1.1 201 ..."
    return (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
  }

  private static final byte[] CRLFCRLF = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] LAST_CHUNK = "\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private static int indexOf(byte[] buf, int from, int limit, byte[] needle) {
    outer:
    for (int i = from; i + needle.length <= limit; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (buf[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Override
  public void close() {
    running = false;
    selector.wakeup();
    try {
      thread.join(2000);
      for (SelectionKey key : selector.keys()) {
        key.channel().close();
      }
      selector.close();
    } catch (IOException e) {
      // closing anyway
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static final class Connection {
    final int index;
    final SocketChannel channel;
    SelectionKey key;
    ByteBuffer out;
    byte[] in = new byte[4096];
    int filled;
    long sentAt;

    Connection(int index, SocketChannel channel) {
      this.index = index;
      this.channel = channel;
    }
  }
}
