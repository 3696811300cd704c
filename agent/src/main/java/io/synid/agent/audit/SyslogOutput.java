package io.synid.agent.audit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Syslog over TCP: RFC 5424 messages with octet-counting framing (RFC 6587 section 3.4.1).
 *
 * <p>Each record becomes {@code <PRI>1 TIMESTAMP HOSTNAME synid-agent PROCID MSGID
 * [synid@32473 seq="N" node="..."] JSON}: PRI is facility * 8 + severity (4 warning for denied
 * verdicts, denied or refused events, failed outcomes and {@code audit_dropped}; 6
 * informational otherwise), the
 * timestamp is the record's {@code time} cut to microseconds, MSGID the event name, and MSG the
 * record itself. A record whose message would exceed {@code maxMessageBytes} is sent shortened
 * (long strings cut, {@code "truncated": true}). The SD-ID uses the example enterprise number of
 * RFC 5612 until Synid has its own.
 *
 * <p><b>Delivery.</b> Plain TCP syslog has no acknowledgements: a record counts as delivered once
 * the kernel accepted it. Before each batch the connection is checked (a closed or reset
 * connection is noticed then); when it is found broken, or a write fails or stalls for
 * {@code writeTimeout}, it is reopened (with the worker's backoff) and the records written on it
 * during the last {@code resendWindow} are sent again. So records can be duplicated (those within
 * the window) and, if the peer vanished with more than the window unread, lost: that is the limit
 * of the protocol; the server sink is the lossless path.
 */
public final class SyslogOutput implements AuditOutput {
  private static final Logger LOG = Logger.getLogger(SyslogOutput.class.getName());
  public static final String APP_NAME = "synid-agent";
  /** RFC 5612's example private enterprise number. */
  static final String SD_ID = "synid@32473";
  static final int SEVERITY_WARNING = 4;
  static final int SEVERITY_INFO = 6;
  private static final Pattern RFC3339 = Pattern.compile(
      "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})");
  private static final Map<String, Integer> FACILITIES = Map.ofEntries(
      Map.entry("kern", 0), Map.entry("user", 1), Map.entry("mail", 2), Map.entry("daemon", 3),
      Map.entry("auth", 4), Map.entry("syslog", 5), Map.entry("lpr", 6), Map.entry("news", 7),
      Map.entry("uucp", 8), Map.entry("cron", 9), Map.entry("authpriv", 10),
      Map.entry("ftp", 11), Map.entry("ntp", 12), Map.entry("security", 13),
      Map.entry("console", 14), Map.entry("solaris-cron", 15), Map.entry("local0", 16),
      Map.entry("local1", 17), Map.entry("local2", 18), Map.entry("local3", 19),
      Map.entry("local4", 20), Map.entry("local5", 21), Map.entry("local6", 22),
      Map.entry("local7", 23));

  private final String host;
  private final int port;
  private final int facility;
  private final int maxMessageBytes;
  private final String hostname;
  private final String procId;
  private final Duration connectTimeout;
  private final Duration writeTimeout;
  private final long resendWindowNanos;
  private SocketChannel channel;
  private Selector selector;
  private final ByteBuffer probe = ByteBuffer.allocate(512);
  /** (first seq, write time) of batches written on the current connection, oldest first. */
  private final ArrayDeque<long[]> recent = new ArrayDeque<>();
  private long pendingRewind = -1;

  /**
   * @param facility 0..23 (see {@link #facility(String)})
   * @param hostname the HOSTNAME field (sanitized to printable ASCII, at most 255)
   */
  public SyslogOutput(String host, int port, int facility, int maxMessageBytes, String hostname,
      long pid, Duration connectTimeout, Duration writeTimeout, Duration resendWindow) {
    if (facility < 0 || facility > 23) {
      throw new IllegalArgumentException("facility " + facility);
    }
    this.host = host;
    this.port = port;
    this.facility = facility;
    this.maxMessageBytes = maxMessageBytes;
    this.hostname = printable(hostname, 255);
    this.procId = Long.toString(pid);
    this.connectTimeout = connectTimeout;
    this.writeTimeout = writeTimeout;
    this.resendWindowNanos = resendWindow.toNanos();
  }

  /**
   * A facility by name ({@code kern} .. {@code local7}, as in syslog.conf) or number (0-23).
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static int facility(String text) {
    if (text != null) {
      Integer named = FACILITIES.get(text.trim().toLowerCase(Locale.ROOT));
      if (named != null) {
        return named;
      }
      if (text.trim().matches("\\d{1,2}")) {
        int n = Integer.parseInt(text.trim());
        if (n <= 23) {
          return n;
        }
      }
    }
    throw new IllegalArgumentException("\"" + text + "\" is not a syslog facility (a number 0-23"
        + " or one of kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv,"
        + " ftp, ntp, security, console, solaris-cron, local0 .. local7)");
  }

  @Override
  public String name() {
    return "syslog";
  }

  @Override
  public boolean deduplicates() {
    return false;
  }

  @Override
  public long deliver(List<SpooledRecord> batch) throws IOException {
    long first = batch.get(0).seq();
    if (pendingRewind >= 0) {
      long r = pendingRewind;
      pendingRewind = -1;
      if (r < first - 1) {
        return r;
      }
    }
    if (channel == null) {
      connect();
    } else if (!alive()) {
      broken();
      throw new IOException("the syslog server " + host + ":" + port + " closed the connection");
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(batch.size() * 600);
    for (SpooledRecord r : batch) {
      bytes.writeBytes(frame(r));
    }
    try {
      write(ByteBuffer.wrap(bytes.toByteArray()));
    } catch (IOException e) {
      broken();
      throw e;
    }
    long now = System.nanoTime();
    recent.addLast(new long[] {first, now});
    while (!recent.isEmpty() && now - recent.peekFirst()[1] > resendWindowNanos) {
      recent.pollFirst();
    }
    return batch.get(batch.size() - 1).seq();
  }

  /** One framed message: {@code MSG-LEN SP SYSLOG-MSG}. */
  byte[] frame(SpooledRecord r) {
    byte[] message = message(r);
    byte[] length = (message.length + " ").getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[length.length + message.length];
    System.arraycopy(length, 0, out, 0, length.length);
    System.arraycopy(message, 0, out, length.length, message.length);
    return out;
  }

  /** The RFC 5424 message for one record. */
  byte[] message(SpooledRecord r) {
    AuditRecords.Summary s = AuditRecords.summary(r.utf8());
    int severity = s.warning() ? SEVERITY_WARNING : SEVERITY_INFO;
    StringBuilder header = new StringBuilder(200);
    header.append('<').append(facility * 8 + severity).append(">1 ")
        .append(timestamp(s.time())).append(' ')
        .append(hostname).append(' ')
        .append(APP_NAME).append(' ')
        .append(procId).append(' ')
        .append(printable(s.event(), 32)).append(' ')
        .append('[').append(SD_ID).append(" seq=\"").append(r.seq()).append('"');
    if (s.node() != null) {
      header.append(" node=\"").append(sdEscape(s.node())).append('"');
    }
    header.append("] ");
    byte[] head = header.toString().getBytes(StandardCharsets.UTF_8);
    byte[] msg = r.utf8();
    if (head.length + msg.length > maxMessageBytes) {
      msg = AuditRecords.shrink(r.json(), Math.max(256, maxMessageBytes - head.length), true)
          .getBytes(StandardCharsets.UTF_8);
    }
    byte[] out = new byte[head.length + msg.length];
    System.arraycopy(head, 0, out, 0, head.length);
    System.arraycopy(msg, 0, out, head.length, msg.length);
    return out;
  }

  /** RFC 3339 with at most 6 fractional digits (RFC 5424 TIME-SECFRAC), or the NILVALUE. */
  static String timestamp(String time) {
    if (time == null || !RFC3339.matcher(time).matches()) {
      return "-";
    }
    int dot = time.indexOf('.');
    if (dot < 0) {
      return time;
    }
    int end = dot + 1;
    while (end < time.length() && Character.isDigit(time.charAt(end))) {
      end++;
    }
    if (end - dot - 1 <= 6) {
      return time;
    }
    return time.substring(0, dot + 7) + time.substring(end);
  }

  /** PRINTUSASCII only (other characters become '_'), at most {@code max}, NILVALUE if empty. */
  static String printable(String s, int max) {
    if (s == null || s.isEmpty()) {
      return "-";
    }
    StringBuilder b = new StringBuilder(Math.min(s.length(), max));
    for (int i = 0; i < s.length() && b.length() < max; i++) {
      char c = s.charAt(i);
      b.append(c >= 33 && c <= 126 ? c : '_');
    }
    return b.toString();
  }

  /**
   * PARAM-VALUE escaping: '"', '\' and ']' get a backslash (RFC 5424 section 6.3.3); control
   * characters and line separators become '_' (receivers mangle them; the JSON body has the
   * exact value).
   */
  static String sdEscape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\' || c == ']') {
        b.append('\\');
      }
      b.append(c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029 ? '_' : c);
    }
    return b.toString();
  }

  private void connect() throws IOException {
    SocketChannel ch = SocketChannel.open();
    try {
      ch.socket().connect(new InetSocketAddress(host, port), (int) connectTimeout.toMillis());
      ch.configureBlocking(false);
      selector = Selector.open();
      ch.register(selector, SelectionKey.OP_WRITE);
    } catch (IOException | RuntimeException e) {
      ch.close();
      if (selector != null) {
        selector.close();
        selector = null;
      }
      throw new IOException("cannot connect to the syslog server " + host + ":" + port + ": "
          + e.getMessage(), e);
    }
    channel = ch;
    recent.clear();
    LOG.fine("connected to the syslog server " + host + ":" + port);
  }

  /** A non-blocking read: the peer never sends, so end-of-stream or an error means broken. */
  private boolean alive() {
    try {
      probe.clear();
      return channel.read(probe) >= 0;
    } catch (IOException e) {
      return false;
    }
  }

  private void write(ByteBuffer buf) throws IOException {
    long deadline = System.nanoTime() + writeTimeout.toNanos();
    while (buf.hasRemaining()) {
      if (channel.write(buf) > 0) {
        continue;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IOException("writing to the syslog server " + host + ":" + port
            + " stalled for " + writeTimeout.toMillis() + " ms");
      }
      selector.select(Math.max(1, left / 1_000_000));
      selector.selectedKeys().clear();
    }
  }

  /** The connection is gone: resend what it carried during the resend window. */
  private void broken() {
    long now = System.nanoTime();
    while (!recent.isEmpty() && now - recent.peekFirst()[1] > resendWindowNanos) {
      recent.pollFirst();
    }
    if (!recent.isEmpty()) {
      pendingRewind = recent.peekFirst()[0] - 1;
    }
    recent.clear();
    closeChannel();
  }

  private void closeChannel() {
    try {
      if (channel != null) {
        channel.close();
      }
      if (selector != null) {
        selector.close();
      }
    } catch (IOException e) {
      LOG.log(Level.FINE, "closing the syslog connection", e);
    }
    channel = null;
    selector = null;
  }

  @Override
  public void close() {
    closeChannel();
  }
}
