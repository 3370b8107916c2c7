package io.exflow.tracing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.exflow.runtime.tracing.Tracing;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;

/**
 * Draws one trace as a waterfall SVG: a row per span in tree order (children by start time,
 * indented under their parent), a bar from its start to its end on a shared time axis. Written
 * here rather than taken from a tracing UI so the picture in docs/tracing.md comes from a test
 * run of this build, with no collector to run.
 */
final class TraceWaterfall {
    private static final int ROW = 18;
    private static final int LABEL = 470;
    private static final int BARS = 620;
    private static final int TOP = 46;
    private static final Map<SpanKind, String> COLOURS = Map.of(SpanKind.SERVER, "#4c78a8", SpanKind.CONSUMER, "#54a24b",
            SpanKind.PRODUCER, "#f58518", SpanKind.CLIENT, "#b279a2", SpanKind.INTERNAL, "#9d9da1");

    private TraceWaterfall() {
    }

    static String svg(List<SpanData> trace, String title) {
        Set<String> ids = trace.stream().map(SpanData::getSpanId).collect(Collectors.toSet());
        Map<String, List<SpanData>> children = new HashMap<>();
        List<SpanData> roots = new ArrayList<>();
        for (SpanData s : trace) {
            if (ids.contains(s.getParentSpanId())) {
                children.computeIfAbsent(s.getParentSpanId(), k -> new ArrayList<>()).add(s);
            } else {
                roots.add(s);
            }
        }
        Comparator<SpanData> byStart = Comparator.comparingLong(SpanData::getStartEpochNanos);
        children.values().forEach(l -> l.sort(byStart));
        roots.sort(byStart);
        List<Object[]> rows = new ArrayList<>();
        for (SpanData root : roots) {
            walk(root, 0, children, rows);
        }
        long start = trace.stream().mapToLong(SpanData::getStartEpochNanos).min().orElse(0);
        long end = trace.stream().mapToLong(SpanData::getEndEpochNanos).max().orElse(start + 1);
        double scale = BARS / (double) Math.max(1, end - start);
        int height = TOP + rows.size() * ROW + 30;
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"11\">%n", LABEL + BARS + 20, height));
        out.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        out.append(String.format(Locale.ROOT, "<text x=\"8\" y=\"18\" font-size=\"14\" font-weight=\"bold\">%s — %d spans, %.0f ms, "
                + "trace %s</text>%n", escape(title), trace.size(), (end - start) / 1e6, trace.get(0).getTraceId()));
        double totalMs = (end - start) / 1e6;
        double step = niceStep(totalMs / 8);
        for (double ms = 0; ms <= totalMs; ms += step) {
            double x = LABEL + ms * 1e6 * scale;
            out.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e3e3e3\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" fill=\"#666\">%.0f ms</text>%n", x, TOP - 6, x, height - 24, x + 2, TOP - 10, ms));
        }
        int y = TOP;
        for (Object[] row : rows) {
            SpanData s = (SpanData) row[0];
            int depth = (int) row[1];
            String consumer = s.getAttributes().get(Tracing.CONSUMER);
            String label = s.getName() + (consumer != null && s.getName().startsWith("handle ") ? "  (" + consumer + ")" : "");
            double x = LABEL + (s.getStartEpochNanos() - start) * scale;
            double w = Math.max(1.5, (s.getEndEpochNanos() - s.getStartEpochNanos()) * scale);
            out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>", 8 + depth * 8, y + 13, escape(label)));
            out.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%s %.2f ms"
                    + "</title></rect>%n", x, y + 3, w, ROW - 6, COLOURS.getOrDefault(s.getKind(), "#999"), escape(s.getName()),
                    (s.getEndEpochNanos() - s.getStartEpochNanos()) / 1e6));
            y += ROW;
        }
        int lx = 8;
        for (SpanKind kind : List.of(SpanKind.SERVER, SpanKind.CONSUMER, SpanKind.PRODUCER, SpanKind.CLIENT, SpanKind.INTERNAL)) {
            out.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>%n", lx, height - 16, COLOURS.get(kind), lx + 14, height - 7,
                    kind.name().toLowerCase(Locale.ROOT)));
            lx += 90;
        }
        return out.append("</svg>\n").toString();
    }

    private static void walk(SpanData span, int depth, Map<String, List<SpanData>> children, List<Object[]> rows) {
        rows.add(new Object[] { span, depth });
        for (SpanData child : children.getOrDefault(span.getSpanId(), List.of())) {
            walk(child, depth + 1, children, rows);
        }
    }

    private static double niceStep(double raw) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-3))));
        for (double m : new double[] { 1, 2, 5, 10 }) {
            if (raw <= m * magnitude) {
                return m * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
