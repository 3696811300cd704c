package io.synid.server.health;

import com.codahale.metrics.Counting;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Sampling;
import com.codahale.metrics.Snapshot;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Serves the Dropwizard metric registry in the Prometheus text exposition format (version
 * 0.0.4): gauges as gauges, counters/meters as {@code _total} counters, histograms and timers as
 * summaries with quantiles 0.5, 0.95, 0.99 (timers in seconds).
 */
public final class PrometheusMetricsServlet extends HttpServlet {
  private final transient MetricRegistry registry;

  public PrometheusMetricsServlet(MetricRegistry registry) {
    this.registry = registry;
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    resp.setContentType("text/plain; version=0.0.4; charset=utf-8");
    PrintWriter out = resp.getWriter();
    registry.getGauges().forEach((name, gauge) -> gauge(out, sanitize(name), gauge));
    registry.getCounters().forEach((name, c) -> counter(out, sanitize(name), c));
    registry.getMeters().forEach((name, m) -> counter(out, sanitize(name), m));
    registry.getHistograms().forEach((name, h) -> summary(out, sanitize(name), h, h.getCount(), 1.0));
    registry.getTimers().forEach((name, t) -> summary(out, sanitize(name) + "_seconds", t, t.getCount(), 1e-9));
    out.flush();
  }

  static String sanitize(String name) {
    String s = name.replaceAll("[^a-zA-Z0-9_:]", "_");
    return Character.isDigit(s.charAt(0)) ? "_" + s : s;
  }

  private static void gauge(PrintWriter out, String name, Gauge<?> gauge) {
    Object value = gauge.getValue();
    if (value instanceof Number n) {
      out.printf(Locale.ROOT, "# TYPE %s gauge%n%s %s%n", name, name, n.doubleValue());
    } else if (value instanceof Boolean b) {
      out.printf(Locale.ROOT, "# TYPE %s gauge%n%s %d%n", name, name, b ? 1 : 0);
    }
  }

  private static void counter(PrintWriter out, String name, Counting c) {
    out.printf(Locale.ROOT, "# TYPE %s_total counter%n%s_total %d%n", name, name, c.getCount());
  }

  private static void summary(PrintWriter out, String name, Sampling s, long count, double scale) {
    Snapshot snap = s.getSnapshot();
    out.printf(Locale.ROOT, "# TYPE %s summary%n", name);
    out.printf(Locale.ROOT, "%s{quantile=\"0.5\"} %s%n", name, snap.getMedian() * scale);
    out.printf(Locale.ROOT, "%s{quantile=\"0.95\"} %s%n", name, snap.get95thPercentile() * scale);
    out.printf(Locale.ROOT, "%s{quantile=\"0.99\"} %s%n", name, snap.get99thPercentile() * scale);
    out.printf(Locale.ROOT, "%s_count %d%n", name, count);
  }
}
